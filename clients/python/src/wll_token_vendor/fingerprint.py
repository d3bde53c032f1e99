"""The fingerprint of a token as the service compares it (``replacesTokenSha256``, CONTRACT section 4)."""

from __future__ import annotations

import hashlib
import re
from typing import Union

from .token_result import TokenResult

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
"""A fingerprint as the service accepts it; a test keeps this copy equal to the function's rule."""


def token_sha256(token: Union[str, TokenResult]) -> str:
    """Lowercase hex SHA-256 of the token string (UTF-8). Safe to log or pass around; the token is not."""
    access_token = token.access_token if isinstance(token, TokenResult) else token
    if not isinstance(access_token, str) or access_token == "":
        raise TypeError("token_sha256 needs a token: pass the access_token string or the result of get_token().")
    return hashlib.sha256(access_token.encode("utf-8")).hexdigest()


def checked_sha256(value: str) -> str:
    """A fingerprint given by a caller, lowercased; a ValueError says what a valid one looks like."""
    hex_value = value.strip().lower() if isinstance(value, str) else ""
    if SHA256_HEX.match(hex_value) is None:
        raise ValueError("A token fingerprint is the SHA-256 of the token in hex: 64 characters 0-9 and a-f (token_sha256(token) computes it).")
    return hex_value
