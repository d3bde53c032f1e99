"""When WLL refuses the replacement of a refused token too, the token is not what is wrong (the API key,
the tenant of the base URL or the token's audience is), and every further replacement would cost an
issuer mint and be refused again. This keeps ``WllApi`` from asking for one for a while, longer each
time, until a request gets past authentication: the same rule as the TypeScript ``createWllFetch``."""

from __future__ import annotations

import math
import threading
import time
from typing import Callable, Optional

REPLACEMENT_PAUSE_SECONDS = 60.0
"""The first pause after a refused replacement; each further refused replacement doubles it."""
MAX_REPLACEMENT_PAUSE_SECONDS = 15 * 60.0
"""The longest pause: a fixed cause is still picked up within this."""


class ReplacementBackoff:
    """Tracks whether a 401 should be answered as it is, without asking for a replacement (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._untried: Optional[str] = None
        self._paused_until = -math.inf
        self._pauses = 0

    @property
    def paused(self) -> bool:
        with self._lock:
            return self._clock() < self._paused_until

    def replaced_with(self, access_token: str) -> None:
        """Remembers a token that replaced a refused one, to know whether WLL refuses it too."""
        with self._lock:
            self._untried = access_token

    def answered(self, access_token: str, status: int) -> Optional[float]:
        """What WLL answered to a request sent with ``access_token``.

        A 401 to the replacement starts a pause and returns its length in seconds; an answer that got past
        authentication (below 500: a 5xx may come from a proxy in front of it) ends the pauses.
        """
        with self._lock:
            if status >= 500:
                return None
            if status != 401:
                if access_token == self._untried:
                    self._untried = None
                self._pauses = 0
                self._paused_until = -math.inf
                return None
            if access_token != self._untried:
                return None
            self._untried = None
            pause: float = min(REPLACEMENT_PAUSE_SECONDS * float(2**self._pauses), MAX_REPLACEMENT_PAUSE_SECONDS)
            self._pauses += 1
            self._paused_until = self._clock() + pause
            return pause
