"""The machine's pace during a run: a fixed piece of pure-Python work (the interpreter's own
kind of work: dicts, strings, small integers) timed a few times. On a shared machine the same
code's figures move by a third between runs a minute apart; printing this before and after the
measures shows whether a run fell into a slow spell, so that runs can be compared fairly."""
from __future__ import annotations

import statistics
import time


def _work() -> int:
    counts: dict[str, int] = {}
    for i in range(60_000):
        word = f"name{i % 997}"
        counts[word] = counts.get(word, 0) + len(word)
    return sum(counts.values())


def pace_ms(rounds: int = 7) -> float:
    """Median milliseconds of the fixed work (higher: a slower machine at this moment)."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        _work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)
