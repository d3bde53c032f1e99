"""What Lambda, API Gateway, the service and the network say, as the typed errors the TypeScript client raises too."""

from __future__ import annotations

import json
import re
from typing import Optional, Type

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, ReadTimeoutError

from conftest import REPO_ROOT
from wll_token_vendor import (
    BadRequestError,
    ConfigurationError,
    CredentialsError,
    IssuerError,
    RateLimitedError,
    ServiceAccessError,
    TokenClientError,
    UnexpectedError,
)
from wll_token_vendor.error_mapping import error_from_call_failure, error_from_function_payload, error_from_http_answer
from wll_token_vendor.fingerprint import SHA256_HEX
from wll_token_vendor.token_result import SET_NAME


@pytest.mark.parametrize(
    ("error_type", "message", "expected"),
    [
        ("ConfigurationError", "WLL_REGION is 'mars'", ConfigurationError),
        ("BadRequestError", "Audience 'x' is not allowed", BadRequestError),
        ("CredentialsError", "WLL refused the client credentials", CredentialsError),
        ("IssuerError", "WLL did not answer", IssuerError),
        ("InternalError", "Something failed (request id r-1)", UnexpectedError),
        ("Sandbox.Timedout", "Task timed out after 20.00 seconds", UnexpectedError),
    ],
)
def test_a_function_error_becomes_the_error_of_its_name(error_type: str, message: str, expected: Type[TokenClientError]) -> None:
    error = error_from_function_payload(json.dumps({"errorType": error_type, "errorMessage": message, "trace": []}), "fn")

    assert type(error) is expected
    assert message in error.message


def test_a_rate_limited_function_error_carries_the_wait_from_its_message() -> None:
    error = error_from_function_payload(json.dumps({"errorType": "RateLimitedError", "errorMessage": "WLL is rate limiting: retry after 42 seconds."}), "fn")

    assert isinstance(error, RateLimitedError) and error.retry_after_seconds == 42


def test_a_refusal_naming_aliases_says_what_to_change_on_the_callers_side() -> None:
    payload = json.dumps({"errorType": "BadRequestError", "errorMessage": "This function has no default credential set: invoke the alias of a set"})

    assert "pass credential_set with the set's name" in error_from_function_payload(payload, "fn").message
    assert "the function has no credential set 'eu-prod'" in error_from_function_payload(payload, "fn", "eu-prod").message


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected", "reason"),
    [
        (500, {"error": "credentials_unavailable", "message": "The secret is not set yet"}, {}, CredentialsError, "unavailable"),
        (502, {"error": "credentials_rejected", "message": "WLL refused the credentials"}, {}, CredentialsError, "rejected"),
        (502, {"error": "issuer_error", "message": "WLL failed"}, {}, IssuerError, None),
        (400, {"error": "bad_request", "message": "Unknown query parameter"}, {}, BadRequestError, None),
    ],
)
def test_the_http_apis_errors_become_the_same_errors(status: int, body: object, headers: "dict[str, str]", expected: Type[TokenClientError], reason: Optional[str]) -> None:
    error = error_from_http_answer(status, headers, json.dumps(body), "https://api/token")

    assert type(error) is expected and error.status == status
    assert getattr(error, "reason", None) == reason


def test_a_503_rate_limited_takes_its_wait_from_retry_after() -> None:
    error = error_from_http_answer(503, {"retry-after": "17"}, json.dumps({"error": "rate_limited", "message": "WLL is rate limiting"}), "https://api/token")

    assert isinstance(error, RateLimitedError) and error.retry_after_seconds == 17


def test_api_gateways_own_answers_are_service_access_errors() -> None:
    forbidden = error_from_http_answer(403, {}, json.dumps({"message": "User is not authorized"}), "https://api/token")
    throttled = error_from_http_answer(429, {"retry-after": "3"}, json.dumps({"message": "Too Many Requests"}), "https://api/token")
    timed_out = error_from_http_answer(504, {}, json.dumps({"message": "Endpoint request timed out"}), "https://api/token")
    garbage = error_from_http_answer(500, {}, "<html>oops</html>", "https://api/token")

    assert isinstance(forbidden, ServiceAccessError) and "execute-api:Invoke" in forbidden.message and not forbidden.retryable
    assert isinstance(throttled, ServiceAccessError) and throttled.retryable and "retry after 3 seconds" in throttled.message
    assert isinstance(timed_out, ServiceAccessError) and timed_out.retryable
    assert isinstance(garbage, UnexpectedError)


def test_call_failures_say_what_to_check_and_whether_to_retry() -> None:
    throttled = ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "Rate Exceeded."}, "ResponseMetadata": {"HTTPStatusCode": 429}}, "Invoke")
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}, "ResponseMetadata": {"HTTPStatusCode": 403}}, "Invoke")

    assert re.match(r"^No AWS credentials found to call function fn", error_from_call_failure(NoCredentialsError(), "function fn", "advice").message)
    assert error_from_call_failure(EndpointConnectionError(endpoint_url="https://lambda"), "function fn", "advice").retryable
    assert "did not answer in time" in error_from_call_failure(ReadTimeoutError(endpoint_url="https://lambda"), "function fn", "advice").message
    assert error_from_call_failure(throttled, "function fn", "advice").retryable
    refused = error_from_call_failure(denied, "function fn", "check the grant")
    assert refused.message == "AWS refused the call to function fn (AccessDeniedException: not authorized): check the grant." and not refused.retryable


def test_messages_stay_short_whatever_the_input() -> None:
    error = error_from_function_payload(json.dumps({"errorType": "BadRequestError", "errorMessage": "x" * 5000}), "fn")

    assert len(error.message) <= 1000


def test_the_clients_rules_are_the_functions() -> None:
    """The set-name pattern and the fingerprint format are copies of the function's: kept equal here."""
    sets = (REPO_ROOT / "lambda" / "config" / "credential-sets.ts").read_text()
    fingerprint = (REPO_ROOT / "lambda" / "core" / "token-fingerprint.ts").read_text()

    assert f"SET_NAME_PATTERN = /{SET_NAME.pattern}/;" in sets
    assert f"SHA256_HEX = /{SHA256_HEX.pattern}/;" in fingerprint
