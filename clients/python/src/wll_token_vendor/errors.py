"""The errors a caller of the token vendor can meet, with the names the TypeScript client uses.

The first five carry the names of the service's own errors (CONTRACT section 4), whichever way the
answer came; the last two are the caller's side: the service could not be reached or would not let
this caller in (``ServiceAccessError``), or it answered something that is not a token
(``UnexpectedError``). All derive from ``TokenClientError`` and have a ``kind`` to branch on.
Messages never hold a token or a secret.
"""

from __future__ import annotations

from typing import ClassVar, Literal, Optional

TokenErrorKind = Literal[
    "configuration", "bad_request", "credentials", "issuer", "rate_limited", "service_access", "unexpected"
]


class TokenClientError(Exception):
    """The base of every error the clients raise.

    Attributes:
        message: What went wrong and what to do.
        code: The HTTP API's ``error`` code when the answer came from it (such as ``credentials_rejected``).
        status: The HTTP status when the answer came from the HTTP API, API Gateway or Lambda.
    """

    kind: ClassVar[TokenErrorKind] = "unexpected"

    def __init__(self, message: str, *, code: Optional[str] = None, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class ConfigurationError(TokenClientError):
    """The service's configuration is invalid (an operator must fix it), or it answered for another credential set."""

    kind: ClassVar[TokenErrorKind] = "configuration"


class BadRequestError(TokenClientError):
    """The request was refused: malformed, an audience the service does not allow, or no set for a deployment without a default one."""

    kind: ClassVar[TokenErrorKind] = "bad_request"


class CredentialsError(TokenClientError):
    """The service's WLL client credentials are unusable.

    ``reason`` is ``"unavailable"`` (the secret is missing or malformed) or ``"rejected"`` (WLL refused
    them) when the answer came from the HTTP API, else None.
    """

    kind: ClassVar[TokenErrorKind] = "credentials"

    def __init__(self, message: str, *, code: Optional[str] = None, status: Optional[int] = None) -> None:
        super().__init__(message, code=code, status=status)
        reasons = {"credentials_unavailable": "unavailable", "credentials_rejected": "rejected"}
        self.reason: Optional[str] = reasons.get(code or "")


class IssuerError(TokenClientError):
    """WLL's token endpoint failed (unreachable, 5xx, timeout, invalid answer) after the service's retries."""

    kind: ClassVar[TokenErrorKind] = "issuer"


class RateLimitedError(TokenClientError):
    """WLL is rate limiting the service's client: try again after ``retry_after_seconds``."""

    kind: ClassVar[TokenErrorKind] = "rate_limited"

    def __init__(self, retry_after_seconds: int, message: str, *, code: Optional[str] = None, status: Optional[int] = None) -> None:
        super().__init__(message, code=code, status=status)
        self.retry_after_seconds = retry_after_seconds


class ServiceAccessError(TokenClientError):
    """The service could not be reached or would not let this caller in.

    No AWS credentials or region, permission denied, function, alias or URL not found, throttled,
    network failure or timeout. ``retryable`` is True when trying again later may help.
    """

    kind: ClassVar[TokenErrorKind] = "service_access"

    def __init__(self, message: str, *, code: Optional[str] = None, status: Optional[int] = None, retryable: bool = False) -> None:
        super().__init__(message, code=code, status=status)
        self.retryable = retryable


class UnexpectedError(TokenClientError):
    """Anything else: the service failed unexpectedly, or answered something that is not a token result."""

    kind: ClassVar[TokenErrorKind] = "unexpected"
