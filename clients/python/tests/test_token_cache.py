"""The client's memory, with a clock the tests move: the margin, shared requests, compare-and-refresh."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import List, Optional

import pytest

from wll_token_vendor import IssuerError, TokenResult, token_sha256
from wll_token_vendor.token_cache import TokenCache, TokenRequest


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeService:
    """Answers each request with a new token valid ``lifetime`` seconds; can fail or hold the next answers."""

    def __init__(self, lifetime: int = 3600) -> None:
        self.lifetime = lifetime
        self.requests: List[TokenRequest] = []
        self.fail_next = 0
        self.gate: Optional[threading.Event] = None

    def __call__(self, request: TokenRequest) -> TokenResult:
        self.requests.append(request)
        if self.gate is not None:
            self.gate.wait(10)
        if self.fail_next > 0:
            self.fail_next -= 1
            raise IssuerError("WLL is down")
        return TokenResult(
            access_token=f"token-{len(self.requests)}",
            token_type="Bearer",
            expires_at=datetime(2030, 1, 1, tzinfo=timezone.utc),
            expires_in=self.lifetime,
            audience="wlloyalty.net",
            source="issuer",
        )


def test_a_token_is_never_handed_out_with_the_margin_or_less_left() -> None:
    clock, service = Clock(), FakeService(lifetime=120)
    cache = TokenCache(service, refresh_before_expiry_seconds=60, clock=clock)

    first = cache.get()
    clock.now += 59.999
    kept = cache.get()
    clock.now += 0.001  # exactly the margin left
    renewed = cache.get()

    assert (first.access_token, kept.access_token, renewed.access_token) == ("token-1", "token-1", "token-2")
    assert kept.expires_in == 60  # counted down from 120
    assert len(service.requests) == 2


def test_expiry_is_measured_on_the_monotonic_clock_so_a_wall_clock_jump_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    service = FakeService(lifetime=3600)
    cache = TokenCache(service)
    cache.get()

    monkeypatch.setattr(time, "time", lambda: 4_000_000_000.0)  # the wall clock jumps a century ahead
    again = cache.get()

    assert again.access_token == "token-1" and len(service.requests) == 1


def test_threads_asking_at_once_share_one_request() -> None:
    service = FakeService()
    service.gate = threading.Event()
    cache = TokenCache(service, clock=Clock())
    results: List[TokenResult] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    while not service.requests:
        time.sleep(0.01)

    service.gate.set()
    for thread in threads:
        thread.join(10)

    assert len(service.requests) == 1
    assert [result.access_token for result in results] == ["token-1"] * 8


def test_a_failure_is_raised_to_everyone_waiting_and_not_remembered() -> None:
    service = FakeService()
    service.fail_next = 1
    cache = TokenCache(service, clock=Clock())

    with pytest.raises(IssuerError):
        cache.get()
    after = cache.get()

    assert after.access_token == "token-2" and len(service.requests) == 2


def test_refresh_names_the_held_token_and_a_newer_token_is_its_own_replacement() -> None:
    service = FakeService()
    cache = TokenCache(service, clock=Clock())
    held = cache.get()

    replaced = cache.refresh()
    # A caller refused with the old token: the cache already holds its replacement.
    same = cache.refresh(token_sha256(held))

    assert service.requests[1] == TokenRequest(force_refresh=True, replaces_token_sha256=token_sha256(held))
    assert replaced.access_token == "token-2" and same.access_token == "token-2"
    assert len(service.requests) == 2


def test_concurrent_refreshes_share_one_forced_request() -> None:
    service = FakeService()
    cache = TokenCache(service, clock=Clock())
    held = cache.get()
    service.gate = threading.Event()
    results: List[TokenResult] = []
    threads = [threading.Thread(target=lambda: results.append(cache.refresh(token_sha256(held)))) for _ in range(5)]
    for thread in threads:
        thread.start()
    while len(service.requests) < 2:
        time.sleep(0.01)

    service.gate.set()
    for thread in threads:
        thread.join(10)

    assert len(service.requests) == 2
    assert {result.access_token for result in results} == {"token-2"}


def test_an_answer_to_a_request_older_than_clear_is_returned_but_not_kept() -> None:
    service = FakeService()
    service.gate = threading.Event()
    cache = TokenCache(service, clock=Clock())
    results: List[TokenResult] = []
    thread = threading.Thread(target=lambda: results.append(cache.get()))
    thread.start()
    while not service.requests:
        time.sleep(0.01)

    cache.clear()
    service.gate.set()
    thread.join(10)
    service.gate = None
    after = cache.get()

    assert results[0].access_token == "token-1" and after.access_token == "token-2"


def test_a_bad_margin_or_fingerprint_is_refused() -> None:
    with pytest.raises(ValueError, match="refresh_before_expiry_seconds must be a number of seconds, 0 or more"):
        TokenCache(FakeService(), refresh_before_expiry_seconds=-1)
    with pytest.raises(ValueError, match="SHA-256 of the token in hex"):
        TokenCache(FakeService()).refresh("not-a-fingerprint")
