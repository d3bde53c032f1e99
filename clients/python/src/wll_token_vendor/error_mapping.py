"""What the service, Lambda, API Gateway or the network said, turned into the clients' typed errors.

The rules are the TypeScript client's (client/error-mapping.ts). The service's own messages are safe
to pass on (they never hold a secret or a token); anything else is quoted only as a short field.
"""

from __future__ import annotations

import email.utils
import errno
import json
import re
import socket
import ssl
import time
import urllib.error
from typing import Any, Mapping, Optional

from .errors import (
    BadRequestError,
    ConfigurationError,
    CredentialsError,
    IssuerError,
    RateLimitedError,
    ServiceAccessError,
    TokenClientError,
    UnexpectedError,
)

DEFAULT_RETRY_AFTER_SECONDS = 30
"""The wait assumed when the service names none, as its own default for a 429 without one."""

# The HTTP API's error codes (CONTRACT section 5) by the errorType a direct invocation reports.
_HTTP_CODES = {
    "configuration_error": "ConfigurationError",
    "bad_request": "BadRequestError",
    "credentials_unavailable": "CredentialsError",
    "credentials_rejected": "CredentialsError",
    "issuer_error": "IssuerError",
    "rate_limited": "RateLimitedError",
    "internal_error": "InternalError",
}
_THROTTLING = re.compile(r"Throttl|TooManyRequests|RequestLimitExceeded|EC2ThrottledException")
_TRANSIENT = re.compile(r"^(ResourceNotReadyException|ResourceConflictException|ServiceException|ServiceUnavailable|InternalFailure)$")
_API_ADVICE = (
    "check that the URL is the stack output TokenApiUrl, that the region is right, and that this principal may call it "
    "(execute-api:Invoke, granted through the stack's allowedPrincipalArns or grantApiAccess)"
)


def one_line(text: str, limit: int) -> str:
    """One line, at most ``limit`` characters: messages end up in single-line logs."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def retry_after_from_message(message: str) -> Optional[int]:
    """``retry after N seconds``, as the service's RateLimitedError message says it."""
    match = re.search(r"retry after (\d{1,7}) seconds?", message, re.IGNORECASE)
    return int(match.group(1)) if match else None


def retry_after_from_header(value: Optional[str]) -> Optional[int]:
    """A ``Retry-After`` header: whole seconds or an HTTP date."""
    text = (value or "").strip()
    if re.fullmatch(r"\d{1,7}", text):
        return int(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0, int(when.timestamp() - time.time() + 0.999))


def _service_error(error_type: str, message: str, code: Optional[str], status: Optional[int], retry_after: Optional[int] = None) -> Optional[TokenClientError]:
    if error_type == "ConfigurationError":
        return ConfigurationError(message, code=code, status=status)
    if error_type == "BadRequestError":
        return BadRequestError(message, code=code, status=status)
    if error_type == "CredentialsError":
        return CredentialsError(message, code=code, status=status)
    if error_type == "IssuerError":
        return IssuerError(message, code=code, status=status)
    if error_type == "RateLimitedError":
        wait = retry_after if retry_after is not None else retry_after_from_message(message)
        return RateLimitedError(wait if wait is not None else DEFAULT_RETRY_AFTER_SECONDS, message, code=code, status=status)
    if error_type == "InternalError":
        return UnexpectedError(message, code=code, status=status)
    return None


def error_from_function_payload(payload: str, function_name: str, credential_set: Optional[str] = None) -> TokenClientError:
    """The payload of an invocation that ended with ``FunctionError`` (``{errorType, errorMessage, trace}``)."""
    try:
        parsed: Any = json.loads(payload)
    except ValueError:
        parsed = None
    error_type = parsed.get("errorType") if isinstance(parsed, dict) else None
    raw_message = parsed.get("errorMessage") if isinstance(parsed, dict) else None
    if not isinstance(error_type, str) or not isinstance(raw_message, str):
        return UnexpectedError(f"Function {function_name} failed without an error type and message it could report.")
    message = one_line(raw_message, 1000)
    if error_type == "BadRequestError" and re.search(r"\balias", message, re.IGNORECASE):
        advice = (
            f"(This client invoked {function_name} without a credential set: pass credential_set with the set's name.)"
            if credential_set is None
            else f"(This client invoked the alias {credential_set} of {function_name}: the function has no credential set "
            f"'{credential_set}'; check the name and the construct's credentialSets.)"
        )
        return BadRequestError(f"{message} {advice}")
    known = _service_error(error_type, message, None, None)
    # Runtime failures such as Sandbox.Timedout or Runtime.ImportModuleError.
    return known or UnexpectedError(f"Function {function_name} failed with {one_line(error_type, 100)}: {message}")


def error_from_http_answer(status: int, headers: Mapping[str, str], body: str, url: str, credential_set: Optional[str] = None) -> TokenClientError:
    """A non-200 answer of the HTTP API: the service's ``{error, message}`` body, or API Gateway's own."""
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        parsed = None
    fields = parsed if isinstance(parsed, dict) else {}
    code = fields.get("error") if isinstance(fields.get("error"), str) else None
    text = next((value for value in (fields.get("message"), fields.get("Message")) if isinstance(value, str)), None)
    message = one_line(text, 1000) if text is not None else None
    known = _HTTP_CODES.get(code or "")
    if known and message is not None:
        error = _service_error(known, message, code, status, retry_after_from_header(headers.get("retry-after")))
        if error is not None:
            return error
    said = f"HTTP {status}" + (f": {one_line(message, 200)}" if message else "")
    if credential_set is not None and (code == "not_found" or status == 404):
        return ServiceAccessError(
            f"No credential set '{credential_set}' at {url} ({said}): is the set deployed? Check the set's name "
            "(the stack outputs name each set's API path) and the URL (the stack output TokenApiUrl).",
            code=code,
            status=status,
        )
    if code == "not_found":
        return ServiceAccessError(
            f"Nothing serves tokens at {url} ({said}): use the stack output TokenApiUrl; a deployment with credential sets "
            "but no default set serves only /sets/<name>/token, so pass credential_set.",
            code=code,
            status=status,
        )
    if code == "method_not_allowed" or status == 404:
        return ServiceAccessError(f"Nothing serves tokens at {url} ({said}): use the stack output TokenApiUrl.", code=code, status=status)
    if status in (401, 403):
        advice = (
            _API_ADVICE
            if credential_set is None
            else f"check the AWS credentials and the region, that this principal may call the set's path (execute-api:Invoke on "
            f"/sets/{credential_set}/token, granted by grantApiAccess(grantee, {{ credentialSet: '{credential_set}' }}) or the set's "
            "allowedPrincipalArns), and that the set is deployed"
        )
        return ServiceAccessError(f"API Gateway refused the request to {url} ({said}): {advice}.", code=code, status=status)
    if status == 429:
        retry_after = retry_after_from_header(headers.get("retry-after"))
        wait = "try again shortly" if retry_after is None else f"retry after {retry_after} seconds"
        return ServiceAccessError(f"API Gateway is throttling requests to {url} ({said}): {wait}.", code=code, status=status, retryable=True)
    if status == 504:
        return ServiceAccessError(f"The token service at {url} did not answer in time ({said}): try again.", code=code, status=status, retryable=True)
    suffix = f" ({one_line(code, 50)})" if code else ""
    return UnexpectedError(f"The token service at {url} answered {said}{suffix}: try again, and check its logs if it persists.", code=code, status=status)


def error_from_missing_alias(error: BaseException, function_name: str, credential_set: str) -> Optional[ServiceAccessError]:
    """Lambda's ResourceNotFoundException for an invocation of a set's alias: usually a set not deployed."""
    code, message, status = _client_error_fields(error)
    if code != "ResourceNotFoundException":
        return None
    said = f" ({one_line(message, 300)})" if message else ""
    return ServiceAccessError(
        f"No alias {credential_set} on function {function_name}{said}: is the set deployed? Check the set's name "
        "(the stack outputs name each set's alias ARN), the function name and the region.",
        status=status,
    )


def error_from_call_failure(error: BaseException, target: str, refusal_advice: str) -> ServiceAccessError:
    """Why a call could not reach its target: AWS credentials or region missing, access denied, throttling, network."""
    name = type(error).__name__
    code, message, status = _client_error_fields(error)
    if name in ("NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"):
        return ServiceAccessError(
            f"No AWS credentials found to call {target}: configure them as the AWS CLI does (environment, profile, SSO or an instance role)."
        )
    if name == "NoRegionError":
        return ServiceAccessError(
            f"No AWS region to call {target} in: pass region=..., or set AWS_REGION (or AWS_DEFAULT_REGION) or a region in the AWS config file."
        )
    if _is_timeout(error):
        return ServiceAccessError(f"{target[:1].upper()}{target[1:]} did not answer in time: try again.", retryable=True)
    if _is_tls_failure(error):
        return ServiceAccessError(f"Could not reach {target} securely ({one_line(str(error), 200)}): check the address, and the certificate of a custom domain.")
    if code is None and _is_network_failure(error):
        return ServiceAccessError(f"Could not reach {target} ({_network_reason(error)}): check the network and the address.", retryable=True)
    if code is not None and (_THROTTLING.search(code) or status == 429):
        return ServiceAccessError(f"AWS is throttling calls to {target} ({code}): try again shortly.", status=status, retryable=True)
    if code == "ResourceNotFoundException":
        return ServiceAccessError(f"{target[:1].upper()}{target[1:]} was not found ({one_line(message, 300)}): check the name and the region.", status=status)
    if code is not None and (_TRANSIENT.match(code) or (status is not None and status >= 500)):
        return ServiceAccessError(f"AWS could not run {target} just now ({code}: {one_line(message, 300)}): try again.", status=status, retryable=True)
    said = f"{code or name}: {one_line(message or str(error), 300)}" if (message or str(error)) else (code or name)
    return ServiceAccessError(f"AWS refused the call to {target} ({said}): {refusal_advice}.", status=status)


def _client_error_fields(error: BaseException) -> "tuple[Optional[str], str, Optional[int]]":
    """The error code, message and HTTP status of a botocore ClientError (None, '', None for anything else)."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return None, "", None
    details = response.get("Error") or {}
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    code = details.get("Code")
    return (code if isinstance(code, str) else None), str(details.get("Message") or ""), (status if isinstance(status, int) else None)


def _causes(error: BaseException) -> "list[BaseException]":
    found: list[BaseException] = []
    current: Optional[BaseException] = error
    while current is not None and len(found) < 5:
        found.append(current)
        reason = getattr(current, "reason", None)
        current = reason if isinstance(reason, BaseException) else (current.__cause__ or current.__context__)
    return found


def _is_timeout(error: BaseException) -> bool:
    return any(isinstance(e, (socket.timeout, TimeoutError)) or type(e).__name__ in ("ReadTimeoutError", "ConnectTimeoutError") for e in _causes(error))


def _is_tls_failure(error: BaseException) -> bool:
    return any(isinstance(e, ssl.SSLError) or type(e).__name__ == "SSLError" for e in _causes(error))


def _is_network_failure(error: BaseException) -> bool:
    names = ("EndpointConnectionError", "ConnectionClosedError", "ProxyConnectionError", "HTTPClientError")
    return any(isinstance(e, (OSError, urllib.error.URLError)) or type(e).__name__ in names for e in _causes(error))


def _network_reason(error: BaseException) -> str:
    """The system error's name, as the TypeScript client reports it (ECONNREFUSED, ENOTFOUND, ...)."""
    for cause in _causes(error):
        if isinstance(cause, socket.gaierror):
            return "ENOTFOUND"
        if isinstance(cause, OSError) and cause.errno is not None:
            return errno.errorcode.get(cause.errno, str(cause.errno))
    return "network error"
