"""LambdaTokenClient and plain boto3 against ``npm start``'s Invoke API: the default set, named sets, refresh, errors, signing."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator, List

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from conftest import FRONT_ACCESS_KEY_ID, FRONT_SECRET_ACCESS_KEY, Service, remember
from wll_token_vendor import BadRequestError, LambdaTokenClient, ServiceAccessError, token_sha256

FUNCTION = "wll-token-vendor"


@pytest.fixture
def boto3_clients() -> Iterator[List[Any]]:
    """The boto3 clients a test made, closed after it (their connection pools would otherwise be left to the garbage collector)."""
    made: List[Any] = []
    yield made
    for client in made:
        client.close()


@pytest.fixture
def local_lambda(vendor: Service, boto3_clients: List[Any]) -> Callable[[], Any]:
    """What a caller points at ``npm start``: boto3 with ``endpoint_url``, unsigned (no IAM there), one attempt."""

    def make() -> Any:
        client = boto3.client(
            "lambda",
            endpoint_url=vendor.url,
            region_name="eu-west-1",
            config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
        )
        boto3_clients.append(client)
        return client

    return make


def test_boto3_invoke_returns_a_token_for_the_default_set_and_for_a_named_set(local_lambda: Callable[[], Any]) -> None:
    client = local_lambda()

    default = client.invoke(FunctionName=FUNCTION, Payload=b"{}")
    named = client.invoke(FunctionName=FUNCTION, Qualifier="eu-prod", Payload=b"{}")
    by_name = client.invoke(FunctionName=f"{FUNCTION}:us-prod")

    results = [json.loads(output["Payload"].read()) for output in (default, named, by_name)]
    for result in results:
        remember(result["accessToken"])
    assert [output["StatusCode"] for output in (default, named, by_name)] == [200, 200, 200]
    assert [output["ExecutedVersion"] for output in (default, named, by_name)] == ["$LATEST"] * 3
    assert [result["credentialSet"] for result in results] == ["default", "eu-prod", "us-prod"]
    assert {result["tokenType"] for result in results} == {"Bearer"}
    assert len({token_sha256(result["accessToken"]) for result in results}) == 3


def test_the_client_keeps_each_sets_token_in_memory(local_lambda: Callable[[], Any]) -> None:
    default = LambdaTokenClient(FUNCTION, client=local_lambda())
    eu = LambdaTokenClient(FUNCTION, credential_set="eu-prod", client=local_lambda())

    first, again = default.get_token(), default.get_token()
    eu_token = eu.get_token()

    remember(first.access_token)
    remember(eu_token.access_token)
    assert first.credential_set == "default" and eu_token.credential_set == "eu-prod"
    assert again.access_token == first.access_token
    assert first.expires_in > 86_000 and first.expires_at.tzinfo is not None
    assert eu_token.access_token != first.access_token
    assert "access_token" not in repr(first) and first.access_token not in repr(first)


def test_refresh_replaces_the_refused_token_once_across_clients(local_lambda: Callable[[], Any]) -> None:
    mine = LambdaTokenClient(FUNCTION, credential_set="us-prod", client=local_lambda())
    theirs = LambdaTokenClient(FUNCTION, credential_set="us-prod", client=local_lambda())
    refused = remember(mine.get_token().access_token)
    assert remember(theirs.get_token().access_token) == refused

    replaced = mine.refresh()
    also = theirs.refresh(replaces=refused)

    remember(replaced.access_token)
    assert replaced.source == "issuer" and token_sha256(replaced) != token_sha256(refused)
    # The second caller refused with the same token gets the replacement, with no second mint.
    assert also.access_token == replaced.access_token and also.source != "issuer"
    assert mine.get_token().access_token == replaced.access_token


def test_a_function_error_is_the_services_typed_error(local_lambda: Callable[[], Any]) -> None:
    tokens = LambdaTokenClient(FUNCTION, audience="other.example", client=local_lambda())

    with pytest.raises(BadRequestError, match=r"^Audience 'other.example' is not allowed") as raised:
        tokens.get_token()

    assert raised.value.kind == "bad_request"


def test_a_set_that_is_not_there_is_said_to_be_not_deployed(local_lambda: Callable[[], Any]) -> None:
    tokens = LambdaTokenClient(FUNCTION, credential_set="ap-prod", client=local_lambda())

    with pytest.raises(ServiceAccessError, match=r"^No alias ap-prod on function wll-token-vendor .*is the set deployed\?") as raised:
        tokens.get_token()

    assert raised.value.status == 404 and raised.value.retryable is False


def test_signed_invocations_pass_an_independent_sigv4_check_and_wrong_keys_do_not(front: Service, boto3_clients: List[Any]) -> None:
    def client(secret: str) -> Any:
        made = boto3.client(
            "lambda",
            endpoint_url=front.url,
            region_name="eu-west-1",
            aws_access_key_id=FRONT_ACCESS_KEY_ID,
            aws_secret_access_key=secret,
            config=Config(retries={"max_attempts": 1}),
        )
        boto3_clients.append(made)
        return made

    token = LambdaTokenClient(FUNCTION, credential_set="eu-prod", client=client(FRONT_SECRET_ACCESS_KEY)).get_token()
    refused = LambdaTokenClient(FUNCTION, client=client("not-the-secret"))

    remember(token.access_token)
    assert token.credential_set == "eu-prod"
    with pytest.raises(ServiceAccessError, match=r"^AWS refused the call to function wll-token-vendor \(InvalidSignatureException: .*lambda:InvokeFunction"):
        refused.get_token()


def test_no_region_and_an_unreachable_endpoint_are_service_access_errors(monkeypatch: pytest.MonkeyPatch, boto3_clients: List[Any]) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    # A new default session, reading the environment as it is now.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    closed = boto3.client(
        "lambda", endpoint_url="http://127.0.0.1:9", region_name="eu-west-1", config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1})
    )
    boto3_clients.append(closed)

    with pytest.raises(ServiceAccessError, match=r"^No AWS region to call function wll-token-vendor in"):
        LambdaTokenClient(FUNCTION).get_token()
    with pytest.raises(ServiceAccessError, match=r"^Could not reach function wll-token-vendor \(ECONNREFUSED\)") as raised:
        LambdaTokenClient(FUNCTION, client=closed).get_token()
    assert raised.value.retryable is True


def test_bad_arguments_are_refused_at_once() -> None:
    with pytest.raises(ValueError, match="needs function_name"):
        LambdaTokenClient("")
    with pytest.raises(ValueError, match="credential_set 'default' is the set used when there is none"):
        LambdaTokenClient(FUNCTION, credential_set="default")
    with pytest.raises(ValueError, match="names the qualifier 'us-prod', but credential_set is 'eu-prod'"):
        LambdaTokenClient(f"{FUNCTION}:us-prod", credential_set="eu-prod")
