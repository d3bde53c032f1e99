"""The token client for code running in AWS: invokes the vending function directly (``lambda:InvokeFunction``)."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from typing import Any, Callable, Optional

import boto3

from .error_mapping import error_from_call_failure, error_from_function_payload, error_from_missing_alias
from .errors import UnexpectedError
from .token_cache import DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS, TokenClient, TokenRequest
from .token_result import TokenResult, check_answered_set, checked_credential_set, parse_token_result

_QUALIFIED = re.compile(r"^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?[A-Za-z0-9_-]+:([A-Za-z0-9$_-]+)$")
_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:function:")


def region_of_arn(function_name: str) -> Optional[str]:
    """The region of a function ARN (``arn:aws:lambda:eu-west-1:123456789012:function:name``), if it is one."""
    match = _ARN_REGION.match(function_name)
    return match.group(1) if match else None


class LambdaTokenClient(TokenClient):
    """Tokens from the vending function, invoked directly (CONTRACT section 4), kept in memory.

    With ``credential_set``, it invokes that set's alias (``Qualifier``), which is what IAM grants per
    set (the construct's ``grantInvoke(grantee, { credentialSet })``), and keeps that set's token.
    Create it once, outside the handler, so warm invocations reuse the token::

        tokens = LambdaTokenClient(os.environ["TOKEN_FUNCTION_NAME"], credential_set="eu-prod")

        def handler(event, context):
            token = tokens.get_token()  # from memory while it has more than a minute left

    Args:
        function_name: The function's name or ARN (stack output ``TokenFunctionName`` or ``TokenFunctionArn``),
            or a set's alias ARN with the same ``credential_set``.
        credential_set: The set to get tokens of, such as ``eu-prod``; None for the ``default`` set
            (the unqualified function).
        audience: The audience to ask for; None for the set's configured one.
        client: The boto3 Lambda client to invoke with, for example
            ``boto3.client("lambda", endpoint_url="http://127.0.0.1:3000", config=Config(signature_version=UNSIGNED))``
            for ``npm start``. Default: ``boto3.client("lambda", region_name=region)``, made at the first call.
        region: The region of the default client; default: the ARN's, else ``AWS_REGION``, else boto3's
            (``AWS_DEFAULT_REGION``, the profile's).
        refresh_before_expiry_seconds: Renew the token when it has this long or less left (default 60).
        clock: Monotonic seconds; tests pass a fake one.
    """

    def __init__(
        self,
        function_name: str,
        *,
        credential_set: Optional[str] = None,
        audience: Optional[str] = None,
        client: Any = None,
        region: Optional[str] = None,
        refresh_before_expiry_seconds: float = DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(function_name, str) or function_name.strip() == "":
            raise ValueError("LambdaTokenClient needs function_name: the stack output TokenFunctionName or TokenFunctionArn.")
        if audience is not None and (not isinstance(audience, str) or audience == ""):
            raise ValueError('audience must be a non-empty string, such as "wlloyalty.net"; leave it out for the default.')
        checked = checked_credential_set(credential_set)
        super().__init__(credential_set=checked, refresh_before_expiry_seconds=refresh_before_expiry_seconds, clock=clock)
        self._function_name = function_name
        self._audience = audience
        self._qualifier = None if checked is None else _qualifier_for(function_name, checked)
        self._client = client
        self._own_client = client is None
        # botocore reads AWS_DEFAULT_REGION and the profile; AWS_REGION is read here, as the other AWS SDKs do.
        self._region = region or region_of_arn(function_name) or os.environ.get("AWS_REGION") or None
        self._client_lock = threading.Lock()

    def _lambda(self) -> Any:
        # Made at the first call, so a missing region is a ServiceAccessError there, as any other call failure.
        with self._client_lock:
            if self._client is None:
                self._client = boto3.client("lambda", region_name=self._region)
            return self._client

    def close(self) -> None:
        """Closes the boto3 client this client made (one given as ``client`` is the caller's to close)."""
        with self._client_lock:
            if self._own_client and self._client is not None:
                self._client.close()
                self._client = None

    def _ask(self, request: TokenRequest) -> TokenResult:
        name, credential_set = self._function_name, self._credential_set
        event: dict[str, Any] = {} if self._audience is None else {"audience": self._audience}
        if request.force_refresh:
            event["forceRefresh"] = True
            if request.replaces_token_sha256 is not None:
                event["replacesTokenSha256"] = request.replaces_token_sha256
        arguments: dict[str, Any] = {"FunctionName": name, "InvocationType": "RequestResponse", "Payload": json.dumps(event).encode("utf-8")}
        if self._qualifier is not None:
            arguments["Qualifier"] = self._qualifier
        target = f"function {name}" if credential_set is None else f"alias {credential_set} of function {name}"
        try:
            output = self._lambda().invoke(**arguments)
            payload = output["Payload"].read().decode("utf-8") if output.get("Payload") is not None else ""
        except Exception as error:
            missing = None if credential_set is None else error_from_missing_alias(error, name, credential_set)
            raise (missing or error_from_call_failure(error, target, _invoke_advice(credential_set))) from error
        if output.get("FunctionError"):
            raise error_from_function_payload(payload, name, credential_set)
        try:
            answer = json.loads(payload)
        except ValueError:
            raise UnexpectedError(f"Function {name} answered with something that is not JSON: check that it is the WLL token vendor.") from None
        origin = f"Function {name}" if credential_set is None else f"Alias {credential_set} of function {name}"
        return check_answered_set(
            parse_token_result(answer, origin),
            credential_set,
            origin,
            f"the alias exists, but the function has no credential set '{credential_set}': add it to the construct's credentialSets (CREDENTIAL_SETS)",
        )


def _invoke_advice(credential_set: Optional[str]) -> str:
    if credential_set is None:
        return "check the credentials, and that this principal may call lambda:InvokeFunction on it (the construct's grantInvoke)"
    return (
        f"check the credentials, and that this principal may call lambda:InvokeFunction on the alias {credential_set} "
        f"(the construct's grantInvoke(grantee, {{ credentialSet: '{credential_set}' }}), or the set's allowedPrincipalArns)"
    )


def _qualifier_for(function_name: str, credential_set: str) -> str:
    """A ``function_name`` that names a qualifier already (``name:alias`` or an alias ARN) must name the set's."""
    match = _QUALIFIED.match(function_name)
    if match and match.group(1) != credential_set:
        raise ValueError(
            f"function_name {function_name} names the qualifier '{match.group(1)}', but credential_set is '{credential_set}': "
            "give the unqualified function name (or the set's alias ARN) with credential_set."
        )
    return credential_set
