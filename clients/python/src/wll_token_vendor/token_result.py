"""The service's answer (CONTRACT section 4) as a typed, immutable value, checked field by field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Mapping, Optional

from .errors import ConfigurationError, UnexpectedError

TokenSource = Literal["memory", "cache", "issuer"]
"""Where the service's answer came from: its container's memory, its DynamoDB cache, or WLL itself."""

SET_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
"""Credential set names as the service accepts them; a test keeps this copy equal to the function's rule."""

DEFAULT_CREDENTIAL_SET = "default"
"""The set a client without ``credential_set`` talks to: the unqualified function, ``/token``."""


@dataclass(frozen=True)
class TokenResult:
    """A WLL admin API token and what the service said about it.

    Attributes:
        access_token: Send it as ``Authorization: Bearer <access_token>``. Never log it: it is left out
            of ``repr()``.
        token_type: Always ``"Bearer"``.
        expires_at: The token's real expiry (timezone-aware, UTC).
        expires_in: Whole seconds left until ``expires_at``, counted down by the client's memory.
        audience: The audience the token is for, such as ``wlloyalty.net``.
        source: ``memory``, ``cache`` or ``issuer``: anything but ``issuer`` means nothing was minted.
        credential_set: The credential set of the token (``default`` without sets); None from a
            deployment older than credential sets.
    """

    access_token: str = field(repr=False)
    token_type: Literal["Bearer"]
    expires_at: datetime
    expires_in: int
    audience: str
    source: TokenSource
    credential_set: Optional[str] = None


def is_credential_set_name(value: str) -> bool:
    """Whether the service may have answered with this set name (a set's, or ``default``)."""
    return value == DEFAULT_CREDENTIAL_SET or SET_NAME.match(value) is not None


def checked_credential_set(value: object, option: str = "credential_set") -> Optional[str]:
    """The set name given to a client, checked; None stays None (the default set)."""
    if value is None:
        return None
    if value == DEFAULT_CREDENTIAL_SET:
        raise ValueError(f"{option} '{DEFAULT_CREDENTIAL_SET}' is the set used when there is none: leave {option} out for it.")
    if not isinstance(value, str) or SET_NAME.match(value) is None:
        shown = f"'{value[:50]}'" if isinstance(value, str) else type(value).__name__
        raise ValueError(
            f"{option} {shown} is not a credential set name: a lowercase letter, then up to 39 lowercase letters, "
            "digits or hyphens, such as 'eu-prod'."
        )
    return value


def parse_token_result(value: Any, origin: str) -> TokenResult:
    """Checks the service's answer; a failure names the field, never the value (the answer holds a token)."""

    def fail(what: str) -> UnexpectedError:
        return UnexpectedError(f"{origin} answered with something that is not a token result ({what}): check that it is the WLL token vendor.")

    if not isinstance(value, Mapping):
        raise fail("not a JSON object")
    access_token = value.get("accessToken")
    if not isinstance(access_token, str) or access_token == "":
        raise fail("no accessToken")
    if value.get("tokenType") != "Bearer":
        raise fail("tokenType is not Bearer")
    expires_at = _parse_time(value.get("expiresAt"))
    if expires_at is None:
        raise fail("no valid expiresAt")
    expires_in = value.get("expiresIn")
    # bool is an int in Python: refuse it explicitly.
    if not isinstance(expires_in, (int, float)) or isinstance(expires_in, bool) or expires_in != expires_in or expires_in < 0 or expires_in == float("inf"):
        raise fail("no valid expiresIn")
    audience = value.get("audience")
    if not isinstance(audience, str):
        raise fail("no audience")
    source = value.get("source")
    if source not in ("memory", "cache", "issuer"):
        raise fail("no valid source")
    credential_set = value.get("credentialSet")
    if credential_set is not None and (not isinstance(credential_set, str) or not is_credential_set_name(credential_set)):
        raise fail("credentialSet is not a set name")
    return TokenResult(
        access_token=access_token,
        token_type="Bearer",
        expires_at=expires_at,
        expires_in=int(expires_in),
        audience=audience,
        source=source,
        credential_set=credential_set,
    )


def check_answered_set(result: TokenResult, asked: Optional[str], origin: str, fix: str) -> TokenResult:
    """Refuses an answer for another set than the one asked for: one tenant's token must not reach another's API."""
    if asked is None or result.credential_set is None or result.credential_set == asked:
        return result
    raise ConfigurationError(
        f"{origin} answered with a token of credential set '{result.credential_set}', not '{asked}' as asked: {fix}. The token was not used."
    )


def _parse_time(value: Any) -> Optional[datetime]:
    if not isinstance(value, str):
        return None
    try:
        # Python before 3.11 does not read the trailing Z of ISO 8601.
        parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
