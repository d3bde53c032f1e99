"""HttpTokenClient against ``npm start``'s REST API (unsigned on loopback) and behind a SigV4 check (signed by botocore)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from botocore.credentials import Credentials

from conftest import FRONT_ACCESS_KEY_ID, FRONT_SECRET_ACCESS_KEY, Service, remember
from wll_token_vendor import HttpTokenClient, ServiceAccessError, token_sha256
from wll_token_vendor.http_client import api_base_url, region_of_api_host


def test_the_default_set_and_a_named_set_each_come_from_their_paths(vendor: Service) -> None:
    assert vendor.url is not None
    default = HttpTokenClient(vendor.url).get_token()
    named = HttpTokenClient(vendor.url, credential_set="eu-prod").get_token()
    same_set_by_its_url = HttpTokenClient(f"{vendor.url}sets/eu-prod/token", credential_set="eu-prod").get_token()

    remember(default.access_token)
    remember(named.access_token)
    assert (default.credential_set, named.credential_set) == ("default", "eu-prod")
    assert default.token_type == "Bearer" and named.expires_in > 86_000
    assert token_sha256(default) != token_sha256(named)
    assert same_set_by_its_url.access_token == named.access_token


def test_a_refresh_with_the_refused_token_mints_once_and_then_hands_out_the_replacement(vendor: Service) -> None:
    assert vendor.url is not None
    tokens = HttpTokenClient(vendor.url, credential_set="us-prod")
    other = HttpTokenClient(vendor.url, credential_set="us-prod")
    refused = remember(tokens.get_token().access_token)

    replaced = tokens.refresh(replaces=refused)
    again = other.refresh(replaces_sha256=token_sha256(refused))

    remember(replaced.access_token)
    assert replaced.source == "issuer" and replaced.access_token != refused
    assert again.access_token == replaced.access_token and again.source != "issuer"


def test_a_body_is_refused_by_the_service_so_the_client_sends_its_parameters_in_the_query(vendor: Service) -> None:
    assert vendor.url is not None
    tokens = HttpTokenClient(vendor.url, audience="wlloyalty.net")
    remember(tokens.get_token().access_token)

    refreshed = tokens.refresh()
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(urllib.request.Request(f"{vendor.url}token/refresh", data=b'{"audience": "wlloyalty.net"}', method="POST"))

    remember(refreshed.access_token)
    with raised.value as answer:
        body = json.loads(answer.read())
    assert answer.code == 400
    assert body["error"] == "bad_request" and "takes no request body" in body["message"]


def test_a_set_that_is_not_deployed_is_said_so(vendor: Service) -> None:
    assert vendor.url is not None

    with pytest.raises(ServiceAccessError, match=r"^No credential set 'ap-prod' at http://127\.0\.0\.1:\d+/sets/ap-prod/token \(HTTP 404: .*is the set deployed\?"):
        HttpTokenClient(vendor.url, credential_set="ap-prod").get_token()


def test_signed_requests_pass_an_independent_sigv4_check_and_wrong_keys_get_api_gateways_403(front: Service) -> None:
    api = f"{front.url}prod/"
    good = HttpTokenClient(api, credential_set="eu-prod", region="eu-west-1", credentials=Credentials(FRONT_ACCESS_KEY_ID, FRONT_SECRET_ACCESS_KEY))
    bad = HttpTokenClient(api, region="eu-west-1", credentials=Credentials(FRONT_ACCESS_KEY_ID, "not-the-secret"))

    token = good.get_token()
    # A refresh is a signed POST with a query string: the canonical query must match what was sent.
    refreshed = good.refresh(replaces=token)

    remember(token.access_token)
    remember(refreshed.access_token)
    assert token.credential_set == "eu-prod" and refreshed.source == "issuer"
    with pytest.raises(ServiceAccessError, match=r"^API Gateway refused the request to .*/prod/token \(HTTP 403: The request signature we calculated") as raised:
        bad.get_token()
    assert raised.value.status == 403


def test_urls_it_cannot_use_are_refused_before_any_request() -> None:
    with pytest.raises(ValueError, match=r"must use https \(plain http only for a loopback host"):
        HttpTokenClient("http://abc123.execute-api.eu-west-1.amazonaws.com/prod/")
    with pytest.raises(ValueError, match="must not carry a query"):
        HttpTokenClient("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/?audience=x")
    with pytest.raises(ValueError, match="is the path of credential set 'us-prod', but credential_set is 'eu-prod'"):
        HttpTokenClient("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/sets/us-prod/token", credential_set="eu-prod")


def test_the_base_url_and_region_come_from_the_stack_output() -> None:
    assert api_base_url("https://abc123.execute-api.eu-west-1.amazonaws.com/prod") == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/"
    assert api_base_url("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/token/refresh") == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/"
    assert region_of_api_host("abc123.execute-api.us-east-2.amazonaws.com") == "us-east-2"
    assert region_of_api_host("abc123-vpce-0a1b.execute-api.eu-west-1.vpce.amazonaws.com") == "eu-west-1"
    assert region_of_api_host("tokens.example.com") is None
