"""Requests to the WLL admin API with the vendor's token: headers added, a refused token replaced once, no token sent astray."""

from __future__ import annotations

import warnings
from typing import Callable, Mapping, Optional, Union
from urllib.parse import urljoin, urlsplit, urlunsplit

from .errors import TokenClientError
from .replacement_backoff import ReplacementBackoff
from .token_cache import TokenClient
from .token_result import TokenResult, checked_credential_set
from .transport import HttpAnswer, check_transport, origin_of, send

WllResponse = HttpAnswer
"""WLL's answer as it came: ``status``, ``headers``, ``body`` (bytes), ``url``, and ``text()`` / ``json()``."""

# RFC 9110, section 9.2.2: repeating these has the effect of sending them once.
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_AUTH_HEADERS = frozenset({"authorization", "x-api-key"})


class RedirectRefusedError(Exception):
    """WLL answered with a redirect the token must not follow: to another origin, or too many. Nothing was sent there."""


def wll_admin_headers(token: Union[str, TokenResult], api_key: Optional[str] = None) -> dict[str, str]:
    """The headers of a WLL admin API request: ``Authorization: Bearer <token>``, and ``X-Api-Key`` when given.

    For any other HTTP client (``requests``, ``httpx``); turn its redirects off (``allow_redirects=False``)
    or it may send both to another host.
    """
    access_token = token.access_token if isinstance(token, TokenResult) else token
    if not isinstance(access_token, str) or access_token.strip() == "":
        raise TypeError("wll_admin_headers needs a token: pass the access_token string or the result of get_token().")
    headers = {"Authorization": f"Bearer {access_token}"}
    if api_key is not None:
        if not isinstance(api_key, str) or api_key.strip() == "":
            raise ValueError("wll_admin_headers got an empty API key: pass the key, or leave the argument out.")
        headers["X-Api-Key"] = api_key
    return headers


class WllApi:
    """The WLL admin API, called with an admin token of the token vendor (urllib, no other dependency).

    Each request gets ``Authorization: Bearer <token>`` and, with ``api_key``, ``X-Api-Key`` (replacing
    any such header given). When WLL answers 401, it asks ``tokens`` for the refused token's
    replacement (``refresh(replaces=token)``: compare-and-refresh, so any number of callers refused at
    once cause one new token) and sends the request once more, body included, if the method is
    idempotent (or ``retry_non_idempotent``). It never retries twice, never retries a 403, and returns
    WLL's answers, errors included, as they are. When WLL refuses the replacement too, the cause is not the
    token (the API key, the tenant or the audience is): it warns once (``on_warning``) and, for 60 s (doubling
    up to 15 minutes while replacements keep being refused), returns WLL's 401 without asking for another
    token, so a revoked API key does not cost an issuer mint per request. A redirect is followed only within the same origin
    (its target checked again); one to another origin raises ``RedirectRefusedError`` and sends
    nothing there, so the token and API key only ever reach WLL::

        tokens = LambdaTokenClient(os.environ["TOKEN_FUNCTION_NAME"])
        wll = WllApi(tokens, api_key=os.environ["WLL_API_KEY"], base_url="https://api.wlloyalty.net/v1/")
        answer = wll.request("GET", "...")  # a path of the admin API, relative to base_url

    Args:
        tokens: A ``LambdaTokenClient`` or ``HttpTokenClient``.
        api_key: The tenant's WLL API key, sent as ``X-Api-Key``.
        base_url: The WLL API's base URL: relative paths resolve against it, and requests to any other
            origin are refused. Without it every request names an absolute https URL.
        credential_set: The set whose tokens these requests may carry; a ``tokens`` client of another
            set is refused at once, and a token the service says is of another set is never sent.
        retry_non_idempotent: Also retry POST and PATCH once after a 401 (only for requests safe to repeat).
        timeout: Seconds before a request is abandoned (default 30).
        max_redirects: Same-origin redirects followed at most (default 5).
        on_warning: Called with a message when WLL refuses a replacement too (default: ``warnings.warn``).
        clock: A monotonic clock in seconds, for the pause after a refused replacement (tests pass a fake one).
    """

    def __init__(
        self,
        tokens: TokenClient,
        *,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        credential_set: Optional[str] = None,
        retry_non_idempotent: bool = False,
        timeout: float = 30.0,
        max_redirects: int = 5,
        on_warning: Optional[Callable[[str], None]] = None,
        clock: Optional[Callable[[], float]] = None,
    ) -> None:
        if not callable(getattr(tokens, "get_token", None)) or not callable(getattr(tokens, "refresh", None)):
            raise TypeError("WllApi needs tokens: a LambdaTokenClient or HttpTokenClient.")
        if api_key is not None and (not isinstance(api_key, str) or api_key.strip() == ""):
            raise ValueError("WllApi got an empty api_key: pass the tenant API key, or leave it out.")
        self._set = checked_credential_set(credential_set)
        if self._set is not None and tokens.credential_set is not None and tokens.credential_set != self._set:
            raise ValueError(
                f"WllApi is for credential set '{self._set}', but tokens is a client of set '{tokens.credential_set}': "
                f"create the token client with credential_set='{self._set}'."
            )
        self._tokens = tokens
        self._api_key = api_key
        self._base = None if base_url is None else _base_url(base_url)
        self._retry_non_idempotent = retry_non_idempotent
        self._timeout = timeout
        self._max_redirects = max_redirects
        self._warn = on_warning if on_warning is not None else (lambda message: warnings.warn(message, RuntimeWarning, stacklevel=3))
        self._backoff = ReplacementBackoff(clock) if clock is not None else ReplacementBackoff()

    def request(self, method: str, url: str, *, body: Optional[bytes] = None, headers: Optional[Mapping[str, str]] = None) -> WllResponse:
        """Sends one request to the admin API (``url`` relative to ``base_url``, or absolute) and returns WLL's answer.

        Raises the token client's ``TokenClientError`` when no token can be had, ``ValueError`` for a URL
        the token must not go to (or a token of another set), ``RedirectRefusedError`` for a redirect it
        must not follow, and OSError when WLL cannot be reached.
        """
        method = method.upper()
        target = self._target(url)
        retryable = method in _IDEMPOTENT or self._retry_non_idempotent
        token = self._of_our_set(self._tokens.get_token())
        first = self._send_noting(method, target, body, headers or {}, token)
        if first.status != 401:
            return first
        if not retryable:
            # Not repeated, but the next request should not be refused for the same token.
            try:
                self._replacement(token)
            except TokenClientError:
                pass
            return first
        fresh = self._replacement(token)
        if fresh is None:
            return first
        return self._send_noting(method, target, body, headers or {}, fresh)

    def _replacement(self, refused: TokenResult) -> Optional[TokenResult]:
        """A new token for the refused one, unless replacing is paused or the service has nothing newer."""
        if self._backoff.paused:
            return None
        fresh = self._of_our_set(self._tokens.refresh(replaces=refused))
        if fresh.access_token == refused.access_token:
            # The service has nothing newer: the same token would be refused again.
            return None
        self._backoff.replaced_with(fresh.access_token)
        return fresh

    def _send_noting(self, method: str, url: str, body: Optional[bytes], headers: Mapping[str, str], token: TokenResult) -> HttpAnswer:
        """Sends, and notes whether WLL refused a replacement token too."""
        answer = self._send(method, url, body, headers, token)
        pause = self._backoff.answered(token.access_token, answer.status)
        if pause is not None:
            self._warn(
                "WLL refused the replacement token too (HTTP 401): the cause is not the token. Check the API key, the tenant of the "
                f"base URL and the token's audience; the token is not replaced again for {round(pause)} s, and WLL's 401 is returned as it is."
            )
        return answer

    def _send(self, method: str, url: str, body: Optional[bytes], headers: Mapping[str, str], token: TokenResult) -> HttpAnswer:
        allowed = self._base_origin() or origin_of(url)
        sent = {name: value for name, value in headers.items() if name.lower() not in _AUTH_HEADERS}
        sent.update(wll_admin_headers(token, self._api_key))
        for _ in range(self._max_redirects + 1):
            answer = send(method, url, headers=sent, body=body, timeout=self._timeout)
            location = answer.headers.get("Location")
            if answer.status not in _REDIRECTS or not location:
                return answer
            following = urljoin(url, location)
            if urlsplit(following).scheme not in ("http", "https") or origin_of(following) != allowed:
                raise RedirectRefusedError(
                    f"WLL answered {answer.status} redirecting {origin_of(url)} to {origin_of(following)}: the admin token and API key go "
                    f"only to {allowed}, so the redirect was not followed and nothing was sent there. Use the URL it redirects to as base_url if it is WLL's."
                )
            check_transport(following, "the WLL admin token")
            if answer.status == 303 and method != "HEAD" or answer.status in (301, 302) and method == "POST":
                # As browsers and fetch do: the next request is a GET without the body.
                method, body = "GET", None
                sent = {name: value for name, value in sent.items() if name.lower() not in ("content-type", "content-length")}
            url = following
        raise RedirectRefusedError(f"WLL redirected more than {self._max_redirects} times, last to {origin_of(url)}: check the URL.")

    def _target(self, url: str) -> str:
        """The request's URL, resolved against the base, and refused when the token must not go there."""
        if not isinstance(url, str) or url == "":
            raise ValueError("WllApi.request needs a URL: a path relative to base_url, or an absolute https URL.")
        resolved = urljoin(self._base, url) if self._base is not None else url
        parts = urlsplit(resolved)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"'{url[:60]}' is not a URL: pass an absolute URL, or set base_url to resolve relative ones.")
        check_transport(resolved, "the WLL admin token")
        base_origin = self._base_origin()
        if base_origin is not None and origin_of(resolved) != base_origin:
            raise ValueError(f"Refusing to send the WLL admin token to {origin_of(resolved)}: only {base_origin} (base_url) gets it.")
        return resolved

    def _base_origin(self) -> Optional[str]:
        return None if self._base is None else origin_of(self._base)

    def _of_our_set(self, token: TokenResult) -> TokenResult:
        if self._set is not None and token.credential_set is not None and token.credential_set != self._set:
            raise ValueError(
                f"Refusing to send a token of credential set '{token.credential_set}' with WllApi for set '{self._set}': "
                f"create the token client with credential_set='{self._set}'."
            )
        return token


def _base_url(value: str) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url '{str(value)[:60]}' is not a URL: pass the WLL API's base URL, such as https://api.wlloyalty.net/v1/.")
    check_transport(value, "the WLL admin token")
    # A base without a trailing slash would drop its last segment when resolving a relative path.
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
