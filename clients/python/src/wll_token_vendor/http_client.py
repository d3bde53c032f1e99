"""The token client for scripts and services: the IAM-authorized REST API, signed with botocore's SigV4."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from typing import Any, Callable, Optional
from urllib.parse import quote, urlsplit, urlunsplit

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import NoCredentialsError, NoRegionError

from .error_mapping import error_from_call_failure, error_from_http_answer
from .errors import UnexpectedError
from .token_cache import DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS, TokenClient, TokenRequest
from .token_result import TokenResult, check_answered_set, checked_credential_set, parse_token_result
from .transport import HttpAnswer, is_loopback, send

DEFAULT_TIMEOUT_SECONDS = 30.0
"""Each request is abandoned after this long (API Gateway itself gives up at 29 s)."""

_CALL_ADVICE = "check the AWS credentials and that this principal may call the API (execute-api:Invoke)"
_API_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$")
# A token result is a few kilobytes; nothing larger is read.
_MAX_ANSWER_BYTES = 1 << 20


def region_of_api_host(hostname: str) -> Optional[str]:
    """The region in an API Gateway host name (``abc123.execute-api.eu-west-1.amazonaws.com``, VPC endpoint hosts too)."""
    match = _API_HOST.search(hostname.lower())
    return match.group(1) if match else None


def api_base_url(url: str, credential_set: Optional[str] = None) -> str:
    """The API's base URL, ending in ``/``, from the stack output ``TokenApiUrl`` or a URL ending in ``/token``.

    With ``credential_set``, the set's own URL (``.../sets/<name>/token``) is accepted too. Raises a
    ValueError saying what to pass.
    """
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{str(url)[:60]}' is not a URL: pass the stack output TokenApiUrl, such as https://abc123.execute-api.eu-west-1.amazonaws.com/prod/.")
    if parts.scheme != "https" and not is_loopback(parts.hostname):
        raise ValueError(f"The API URL must use https (plain http only for a loopback host such as 127.0.0.1); got {parts.scheme}://{parts.netloc}.")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("The API URL must not carry a query, fragment or user name: pass the stack output TokenApiUrl as it is; give the audience separately.")
    path = re.sub(r"/token(/refresh)?$", "", parts.path.rstrip("/"))
    named = re.search(r"/sets/([^/]+)$", path) if credential_set is not None else None
    if named:
        if named.group(1) != credential_set:
            raise ValueError(
                f"The API URL is the path of credential set '{named.group(1)[:40]}', but credential_set is '{credential_set}': "
                "pass the stack output TokenApiUrl with credential_set."
            )
        path = path[: named.start()]
    return urlunsplit((parts.scheme, parts.netloc, path + "/", "", ""))


class HttpTokenClient(TokenClient):
    """Tokens from the REST API (``GET {url}token``, ``AWS_IAM`` authorization, CONTRACT section 5), kept in memory.

    Requests are signed with botocore's SigV4 (service ``execute-api``) and the default credential
    chain, except for a loopback URL (``npm start``), which has no IAM: it is called unsigned unless
    ``credentials`` are given. With ``credential_set`` it calls that set's paths
    (``{url}sets/<name>/token``), which IAM grants per set::

        tokens = HttpTokenClient("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/", credential_set="eu-prod")
        token = tokens.get_token()

    Args:
        url: The stack output ``TokenApiUrl`` (the stage URL, ending in ``/``), or a URL ending in ``/token``.
            Plain ``http`` only for a loopback host.
        credential_set: The set to get tokens of; None for the ``default`` set (``/token``).
        audience: The audience to ask for; None for the set's configured one.
        region: The region to sign for; default: the one in an ``execute-api`` host name, else botocore's
            (``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's).
        credentials: botocore credentials (``boto3.Session().get_credentials()``); default: botocore's chain.
        timeout: Seconds before a request is abandoned (default 30).
        refresh_before_expiry_seconds: Renew the token when it has this long or less left (default 60).
        clock: Monotonic seconds; tests pass a fake one.
    """

    def __init__(
        self,
        url: str,
        *,
        credential_set: Optional[str] = None,
        audience: Optional[str] = None,
        region: Optional[str] = None,
        credentials: Any = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        refresh_before_expiry_seconds: float = DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if audience is not None and (not isinstance(audience, str) or audience == ""):
            raise ValueError('audience must be a non-empty string, such as "wlloyalty.net"; leave it out for the default.')
        checked = checked_credential_set(credential_set)
        super().__init__(credential_set=checked, refresh_before_expiry_seconds=refresh_before_expiry_seconds, clock=clock)
        self._base = api_base_url(url, checked)
        hostname = urlsplit(self._base).hostname or ""
        # Nothing to sign for a local server without IAM, and no credentials looked for.
        self._signed = credentials is not None or not is_loopback(hostname)
        self._credentials = credentials
        self._region = region or region_of_api_host(hostname)
        self._audience = audience
        self._timeout = timeout
        self._lock = threading.Lock()

    def _ask(self, request: TokenRequest) -> TokenResult:
        prefix = "" if self._credential_set is None else f"sets/{_escape(self._credential_set)}/"
        path = f"{prefix}token/refresh" if request.force_refresh else f"{prefix}token"
        query = {} if self._audience is None else {"audience": self._audience}
        if request.force_refresh and request.replaces_token_sha256 is not None:
            query["replacesTokenSha256"] = request.replaces_token_sha256
        where = self._base + path
        url = where + ("?" + "&".join(f"{_escape(k)}={_escape(v)}" for k, v in query.items()) if query else "")
        method = "POST" if request.force_refresh else "GET"
        try:
            # Parameters go in the query only: a body would be refused (CONTRACT section 5).
            answer = send(method, url, headers=self._sign(method, url), body=None, timeout=self._timeout, limit=_MAX_ANSWER_BYTES)
        except Exception as error:
            raise error_from_call_failure(error, f"the token API at {where}", _CALL_ADVICE) from error
        return self._result(answer, where)

    def _result(self, answer: HttpAnswer, where: str) -> TokenResult:
        text = answer.text()
        if answer.status != 200:
            headers = {name.lower(): value for name, value in answer.headers.items()}
            raise error_from_http_answer(answer.status, headers, text, where, self._credential_set)
        try:
            parsed = json.loads(text)
        except ValueError:
            raise UnexpectedError(f"The token API at {where} answered with something that is not JSON: check the URL.") from None
        return check_answered_set(
            parse_token_result(parsed, f"The token API at {where}"),
            self._credential_set,
            f"The token API at {where}",
            "the deployment serves this path without a credential set of that name: check its credentialSets",
        )

    def _sign(self, method: str, url: str) -> dict[str, str]:
        """The SigV4 headers (``Authorization``, ``X-Amz-Date``, with a session ``X-Amz-Security-Token``), or none."""
        if not self._signed:
            return {}
        credentials, region = self._signing_context()
        request = AWSRequest(method=method, url=url, data=b"")
        SigV4Auth(credentials.get_frozen_credentials(), "execute-api", region).add_auth(request)
        # urllib sets Host itself, from the same URL.
        return {name: value for name, value in request.headers.items() if name.lower() != "host"}

    def _signing_context(self) -> "tuple[Any, str]":
        """Credentials and region, looked up at the first signed request (their absence is then a ServiceAccessError)."""
        with self._lock:
            session = botocore.session.Session()
            if self._credentials is None:
                self._credentials = session.get_credentials()
                if self._credentials is None:
                    raise NoCredentialsError()
            if self._region is None:
                loopback = is_loopback(urlsplit(self._base).hostname or "")
                region = os.environ.get("AWS_REGION") or session.get_config_variable("region")
                # A local server checks no signature's region: any will do, as in the TypeScript client.
                region = region or ("us-east-1" if loopback else None)
                if not region:
                    raise NoRegionError()
                self._region = region
            return self._credentials, self._region


def _escape(value: str) -> str:
    """RFC 3986 encoding, as SigV4's canonical query uses it, so what is sent is what was signed."""
    return quote(value, safe="-_.~")
