"""The Python client of the WLL token vendor: White Label Loyalty admin API tokens from AWS.

Two clients with the same behaviour as the TypeScript ones: ``LambdaTokenClient`` invokes the
vending function (``lambda:InvokeFunction``, a credential set's alias by ``credential_set``), and
``HttpTokenClient`` calls its IAM-authorized REST API signed with botocore's SigV4. Both keep the
token in memory until shortly before it expires, share one request between threads, replace a token
WLL refused with ``refresh(replaces=token)``, and raise the errors of ``wll_token_vendor.errors``.
``WllApi`` sends requests to the WLL admin API with the token and API key, and replaces a refused
token once.
"""

from .errors import (
    BadRequestError,
    ConfigurationError,
    CredentialsError,
    IssuerError,
    RateLimitedError,
    ServiceAccessError,
    TokenClientError,
    TokenErrorKind,
    UnexpectedError,
)
from .fingerprint import token_sha256
from .http_client import HttpTokenClient
from .lambda_client import LambdaTokenClient
from .token_cache import DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS, TokenClient
from .token_result import TokenResult, TokenSource
from .wll_api import RedirectRefusedError, WllApi, WllResponse, wll_admin_headers

__version__ = "0.1.0"

__all__ = [
    "BadRequestError",
    "ConfigurationError",
    "CredentialsError",
    "DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS",
    "HttpTokenClient",
    "IssuerError",
    "LambdaTokenClient",
    "RateLimitedError",
    "RedirectRefusedError",
    "ServiceAccessError",
    "TokenClient",
    "TokenClientError",
    "TokenErrorKind",
    "TokenResult",
    "TokenSource",
    "UnexpectedError",
    "WllApi",
    "WllResponse",
    "__version__",
    "token_sha256",
    "wll_admin_headers",
]
