"""The pause after WLL refuses a replacement token too: how long, how it grows, and what ends it."""

from __future__ import annotations

from wll_token_vendor.replacement_backoff import MAX_REPLACEMENT_PAUSE_SECONDS, REPLACEMENT_PAUSE_SECONDS, ReplacementBackoff


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_refused_replacement_pauses_replacing_and_each_further_one_doubles_the_pause() -> None:
    clock = Clock()
    backoff = ReplacementBackoff(clock)

    assert backoff.answered("first", 401) is None  # the token held: replacing it is what a 401 calls for
    backoff.replaced_with("second")
    assert backoff.answered("second", 401) == REPLACEMENT_PAUSE_SECONDS
    assert backoff.paused
    clock.now += REPLACEMENT_PAUSE_SECONDS
    assert not backoff.paused
    backoff.replaced_with("third")
    assert backoff.answered("third", 401) == 2 * REPLACEMENT_PAUSE_SECONDS
    for _ in range(10):
        clock.now += MAX_REPLACEMENT_PAUSE_SECONDS
        backoff.replaced_with("next")
        pause = backoff.answered("next", 401)
    assert pause == MAX_REPLACEMENT_PAUSE_SECONDS


def test_an_answer_past_authentication_ends_the_pauses_and_a_5xx_does_not() -> None:
    clock = Clock()
    backoff = ReplacementBackoff(clock)
    backoff.replaced_with("second")
    backoff.answered("second", 401)

    assert backoff.answered("second", 503) is None and backoff.paused
    assert backoff.answered("second", 404) is None
    assert not backoff.paused
    backoff.replaced_with("third")
    assert backoff.answered("third", 401) == REPLACEMENT_PAUSE_SECONDS
