"""One caller's token in memory, shared by its threads, and the base of both clients.

The token is kept until it has ``refresh_before_expiry_seconds`` or less left, measured on a
monotonic clock from when it was asked for (so a wrong or jumping wall clock changes nothing).
Concurrent callers share one request to the service, which is forgotten once it settles, so a
failure is not remembered; ``refresh`` is compare-and-refresh with the refused token's fingerprint.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Optional, TypeVar, Union

from .fingerprint import checked_sha256, token_sha256
from .token_result import TokenResult

DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS = 60.0
"""Renew a token this long before it expires, so a caller never holds one about to lapse."""


@dataclass(frozen=True)
class TokenRequest:
    """What to ask the service: its token, or (``force_refresh``) a new one replacing the token with that fingerprint."""

    force_refresh: bool
    replaces_token_sha256: Optional[str] = None


@dataclass(frozen=True)
class _Cached:
    result: TokenResult
    sha256: str
    # Monotonic seconds at which the token expires, counted from when it was asked for.
    expires_at: float


class _Flight:
    """One request to the service; the callers that join it wait for its answer."""

    def __init__(self, request: TokenRequest, generation: int, asked_at: float) -> None:
        self.request = request
        self.generation = generation
        self.asked_at = asked_at
        self.done = threading.Event()
        self.result: Optional[TokenResult] = None
        self.error: Optional[BaseException] = None

    def wait(self) -> TokenResult:
        self.done.wait()
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class TokenCache:
    """The token of one client: thread-safe, one request at a time, never handed out with the margin or less left."""

    def __init__(
        self,
        fetch: Callable[[TokenRequest], TokenResult],
        *,
        refresh_before_expiry_seconds: float = DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(refresh_before_expiry_seconds, (int, float)) or not refresh_before_expiry_seconds >= 0 or math.isinf(refresh_before_expiry_seconds):
            raise ValueError(f"refresh_before_expiry_seconds must be a number of seconds, 0 or more; got {refresh_before_expiry_seconds!r}.")
        self._fetch = fetch
        self._margin = float(refresh_before_expiry_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: Optional[_Cached] = None
        self._pending: Optional[_Flight] = None
        # Bumped by refresh and clear: an older request's answer is returned but not kept.
        self._generation = 0

    def get(self) -> TokenResult:
        """The cached token while it has more than the margin left, else the answer of one shared request."""
        with self._lock:
            cached = self._cached
            if cached is not None and self._clock() < cached.expires_at - self._margin:
                return self._view(cached)
            flight, owner = (self._pending, False) if self._pending is not None else (self._start(TokenRequest(False)), True)
        return self._run(flight) if owner else flight.wait()

    def refresh(self, replaces_sha256: Optional[str] = None) -> TokenResult:
        """Asks for a token replacing the refused one (named by fingerprint, else the cached one).

        A cached token other than the refused one is already its replacement and is returned as it is;
        concurrent refreshes share one request.
        """
        refused = None if replaces_sha256 is None else checked_sha256(replaces_sha256)
        with self._lock:
            cached = self._cached
            if refused is not None and cached is not None and cached.sha256 != refused and self._clock() < cached.expires_at - self._margin:
                return self._view(cached)
            if self._pending is not None and self._pending.request.force_refresh:
                flight, owner = self._pending, False
            else:
                replaces = refused if refused is not None else (cached.sha256 if cached is not None else None)
                flight, owner = self._start(TokenRequest(True, replaces)), True
        return self._run(flight) if owner else flight.wait()

    def clear(self) -> None:
        """Forgets the cached token; the next ``get`` asks the service."""
        with self._lock:
            self._cached = None
            self._generation += 1

    def _start(self, request: TokenRequest) -> _Flight:
        # Called with the lock held.
        self._generation += 1
        flight = _Flight(request, self._generation, self._clock())
        self._pending = flight
        return flight

    def _run(self, flight: _Flight) -> TokenResult:
        try:
            result = self._fetch(flight.request)
            entry = _Cached(result, token_sha256(result), flight.asked_at + result.expires_in)
            with self._lock:
                if flight.generation == self._generation:
                    self._cached = entry
                view = self._view(entry)
            flight.result = view
        except BaseException as error:
            flight.error = error
            raise
        finally:
            with self._lock:
                if self._pending is flight:
                    self._pending = None
            flight.done.set()
        return view

    def _view(self, cached: _Cached) -> TokenResult:
        """The result with ``expires_in`` counted down to now."""
        return dataclasses.replace(cached.result, expires_in=max(0, math.floor(cached.expires_at - self._clock())))


_Client = TypeVar("_Client", bound="TokenClient")


class TokenClient(ABC):
    """What both clients offer: a token kept in memory, renewed shortly before it expires.

    Create one per credential set and audience, once (at module level in a Lambda), and share it
    between threads.
    """

    def __init__(self, *, credential_set: Optional[str], refresh_before_expiry_seconds: float, clock: Callable[[], float]) -> None:
        self._credential_set = credential_set
        self._cache = TokenCache(self._ask, refresh_before_expiry_seconds=refresh_before_expiry_seconds, clock=clock)

    @property
    def credential_set(self) -> Optional[str]:
        """The credential set this client gets tokens of; None for the default set."""
        return self._credential_set

    def get_token(self) -> TokenResult:
        """A token: the one in memory while it has more than the margin left, else a new answer of the service.

        Raises a ``TokenClientError`` (see ``errors``).
        """
        return self._cache.get()

    def refresh(self, replaces: Union[str, TokenResult, None] = None, *, replaces_sha256: Optional[str] = None) -> TokenResult:
        """A new token because WLL refused ``replaces`` (the token, or a result of ``get_token``).

        The service mints only if the refused token is still its current one, so callers refused at the
        same time, in any number of processes, cause one new token; a newer token is returned without a
        mint. Without ``replaces`` the token this client holds is the refused one. Give
        ``replaces_sha256`` (``token_sha256(token)``) instead of the token where only the fingerprint is at hand.
        """
        if replaces is not None and replaces_sha256 is not None:
            raise ValueError("Give the refused token as replaces or its fingerprint as replaces_sha256, not both.")
        fingerprint = token_sha256(replaces) if replaces is not None else replaces_sha256
        return self._cache.refresh(fingerprint)

    def clear(self) -> None:
        """Forgets the token in memory."""
        self._cache.clear()

    def close(self) -> None:
        """Lets go of the connections this client opened itself (a client it was given stays open)."""

    def __enter__(self: _Client) -> _Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @abstractmethod
    def _ask(self, request: TokenRequest) -> TokenResult:
        """Asks the service once; raises a ``TokenClientError``."""
