"""WllApi with tokens from ``npm start``: headers added, a refused token replaced once (one mint for many callers), and the token kept to WLL's origin."""

from __future__ import annotations

import threading
from typing import Iterator, List

import pytest

from conftest import Service, remember
from wll_admin_stand_in import WllAdminStandIn
from wll_token_vendor import HttpTokenClient, RedirectRefusedError, TokenResult, WllApi, token_sha256, wll_admin_headers

API_KEY = "tenant-api-key"


@pytest.fixture
def wll() -> Iterator[WllAdminStandIn]:
    stand_in = WllAdminStandIn(api_key=API_KEY)
    yield stand_in
    stand_in.close()


@pytest.fixture
def other_origin() -> Iterator[WllAdminStandIn]:
    """Somewhere the token must never go."""
    stand_in = WllAdminStandIn()
    yield stand_in
    stand_in.close()


def tokens_of(vendor: Service, credential_set: str = "eu-prod") -> HttpTokenClient:
    assert vendor.url is not None
    return HttpTokenClient(vendor.url, credential_set=credential_set)


def test_a_refused_token_is_replaced_once_and_the_request_sent_again(vendor: Service, wll: WllAdminStandIn) -> None:
    tokens = tokens_of(vendor)
    api = WllApi(tokens, api_key=API_KEY, base_url=wll.url, credential_set="eu-prod")
    refused = remember(tokens.get_token().access_token)
    wll.refuse(refused)

    answer = api.request("GET", "members/42?expand=points")

    fresh = remember(tokens.get_token().access_token)
    assert answer.status == 200 and answer.json() == {"method": "GET", "path": "/v1/members/42?expand=points", "body": ""}
    assert [request.token_sha256 for request in wll.requests] == [token_sha256(refused), token_sha256(fresh)]
    assert [request.api_key for request in wll.requests] == [API_KEY, API_KEY]


def test_callers_refused_at_once_cause_one_new_token(vendor: Service, wll: WllAdminStandIn) -> None:
    # Six processes' worth of clients, each with its own memory, all holding the token WLL now refuses.
    clients = [tokens_of(vendor, "us-prod") for _ in range(6)]
    refused = remember(clients[0].get_token().access_token)
    assert all(client.get_token().access_token == refused for client in clients)
    wll.refuse(refused)
    results: List[TokenResult] = []
    start = threading.Barrier(len(clients))

    def refresh(client: HttpTokenClient) -> None:
        start.wait()
        results.append(client.refresh(replaces=refused))

    threads = [threading.Thread(target=refresh, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    remember(results[0].access_token)
    assert len(results) == len(clients)
    # One new token for all: two mints would have handed out two different tokens.
    assert len({result.access_token for result in results}) == 1 and results[0].access_token != refused
    assert "issuer" in {result.source for result in results}
    # And it stays the one: a latecomer refused with the same token gets it, and nothing is minted.
    late = tokens_of(vendor, "us-prod").refresh(replaces=refused)
    assert late.access_token == results[0].access_token and late.source != "issuer"


def test_a_refused_post_is_not_sent_twice_but_its_token_is_replaced_for_the_next_call(vendor: Service, wll: WllAdminStandIn) -> None:
    tokens = tokens_of(vendor)
    api = WllApi(tokens, api_key=API_KEY, base_url=wll.url)
    refused = remember(tokens.get_token().access_token)
    wll.refuse(refused)

    answer = api.request("POST", "points", body=b'{"points": 10}', headers={"Content-Type": "application/json"})
    after = api.request("POST", "points", body=b'{"points": 20}', headers={"Content-Type": "application/json"})

    remember(tokens.get_token().access_token)
    assert (answer.status, after.status) == (401, 200)
    assert [request.body for request in wll.requests] == [b'{"points": 10}', b'{"points": 20}']


def test_a_403_is_returned_as_it_is_and_costs_no_new_token(vendor: Service, wll: WllAdminStandIn) -> None:
    tokens = tokens_of(vendor)
    api = WllApi(tokens, api_key=API_KEY, base_url=wll.url)
    token = remember(tokens.get_token().access_token)
    wll.forbidden.add("/v1/admin")

    answer = api.request("GET", "admin")

    assert answer.status == 403 and len(wll.requests) == 1
    assert tokens.get_token().access_token == token


def test_a_redirect_to_another_origin_is_refused_and_nothing_reaches_it(vendor: Service, wll: WllAdminStandIn, other_origin: WllAdminStandIn) -> None:
    api = WllApi(tokens_of(vendor), api_key=API_KEY, base_url=wll.url)
    wll.redirects["/v1/members"] = (302, f"{other_origin.origin}/collect")

    with pytest.raises(RedirectRefusedError, match=rf"redirecting {wll.origin} to {other_origin.origin}: the admin token and API key go only to {wll.origin}"):
        api.request("GET", "members")

    assert other_origin.requests == []


def test_a_same_origin_redirect_is_followed_with_the_headers_and_a_303_becomes_a_get(vendor: Service, wll: WllAdminStandIn) -> None:
    api = WllApi(tokens_of(vendor), api_key=API_KEY, base_url=wll.url)
    wll.redirects["/v1/old"] = (307, "/v1/new")
    wll.redirects["/v1/submit"] = (303, f"{wll.url}result")

    moved = api.request("PUT", "old", body=b"{}")
    submitted = api.request("POST", "submit", body=b"{}")

    assert moved.json() == {"method": "PUT", "path": "/v1/new", "body": "{}"}
    assert submitted.json() == {"method": "GET", "path": "/v1/result", "body": ""}
    assert all(request.api_key == API_KEY and request.token_sha256 for request in wll.requests)


def test_a_loop_of_redirects_ends(vendor: Service, wll: WllAdminStandIn) -> None:
    api = WllApi(tokens_of(vendor), api_key=API_KEY, base_url=wll.url, max_redirects=3)
    wll.redirects["/v1/a"] = (302, "/v1/b")
    wll.redirects["/v1/b"] = (302, "/v1/a")

    with pytest.raises(RedirectRefusedError, match="redirected more than 3 times"):
        api.request("GET", "a")

    assert len(wll.requests) == 4


def test_the_token_goes_nowhere_but_the_base_origin_and_never_over_plain_http(vendor: Service, wll: WllAdminStandIn, other_origin: WllAdminStandIn) -> None:
    api = WllApi(tokens_of(vendor), api_key=API_KEY, base_url=wll.url)

    with pytest.raises(ValueError, match=rf"Refusing to send the WLL admin token to {other_origin.origin}: only {wll.origin}"):
        api.request("GET", f"{other_origin.origin}/v1/members")
    with pytest.raises(ValueError, match=r"over http://api\.wlloyalty\.net: use https"):
        WllApi(tokens_of(vendor), base_url="http://api.wlloyalty.net/v1/")
    assert other_origin.requests == []


def test_a_token_client_of_another_set_is_refused_at_once(vendor: Service) -> None:
    with pytest.raises(ValueError, match="WllApi is for credential set 'eu-prod', but tokens is a client of set 'us-prod'"):
        WllApi(tokens_of(vendor, "us-prod"), credential_set="eu-prod")


def test_the_headers_for_any_other_http_client() -> None:
    assert wll_admin_headers("abc", "key") == {"Authorization": "Bearer abc", "X-Api-Key": "key"}
    assert wll_admin_headers("abc") == {"Authorization": "Bearer abc"}
    with pytest.raises(ValueError, match="empty API key"):
        wll_admin_headers("abc", "")


def test_when_wll_refuses_every_token_one_replacement_is_asked_for_then_its_401_is_returned(vendor: Service, wll: WllAdminStandIn) -> None:
    # A revoked API key: a new token cannot help, and 30 requests must not cost 30 mints.
    warned: List[str] = []
    api = WllApi(tokens_of(vendor, "us-prod"), api_key=API_KEY, base_url=wll.url, credential_set="us-prod", on_warning=warned.append)
    wll.refuse_every_token = True

    statuses = [api.request("GET", f"members/{i}").status for i in range(30)]

    assert statuses == [401] * 30
    # The token held, and one replacement: nothing more was minted for these requests.
    assert len({request.token_sha256 for request in wll.requests}) == 2
    assert len(warned) == 1 and "refused the replacement token too" in warned[0]
