"""Where cached pages live: this process's memory, and Redis behind it when configured (shared by
every process and node). Entries always expire: a change the generation did not see (a table
edited by hand) shows at the latest after that time.

The generation is read from Redis at most once a second per process: a change made in another
process shows here within a second; a change made in this process, at once. Without Redis each
process has its own generation, so a change made in another process shows only when the
entries expire (`PORTAL_PAGE_CACHE_SECONDS`): one process, or Redis, for more.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

GENERATION_CHECK_SECONDS = 1.0
# A page found in Redis is kept here this long too, so the next visitors need no round trip.
LOCAL_COPY_SECONDS = 5.0


class MemoryEntries:
    """Least recently used out first, every entry with its own expiry."""

    def __init__(self, max_entries: int):
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] <= time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found[1]

    def set(self, key: str, value: bytes, seconds: float) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class PageStore:
    PREFIX = "portal:pages:"

    def __init__(self, redis_url: str = "", max_entries: int = 2000):
        self._memory = MemoryEntries(max_entries)
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._lock = threading.Lock()
        # Per topic ("content", "availability"): the generation and when it was read from Redis.
        self._generations: dict[str, tuple[int, float]] = {}

    def generation(self, topic: str = "content") -> int:
        value, read_at = self._generations.get(topic, (0, float("-inf")))
        if self._redis is None or time.monotonic() - read_at < GENERATION_CHECK_SECONDS:
            return value
        value = int(self._redis.get(f"{self.PREFIX}generation:{topic}") or 0)
        with self._lock:
            self._generations[topic] = (value, time.monotonic())
        return value

    def next_generation(self, topic: str = "content") -> None:
        with self._lock:
            self._memory.clear()  # nothing of the old generation can be asked for again
            if self._redis is None:
                self._generations[topic] = (self._generations.get(topic, (0, 0.0))[0] + 1, 0.0)
                return
        value = self._redis.incr(f"{self.PREFIX}generation:{topic}")
        with self._lock:
            self._generations[topic] = (value, time.monotonic())

    def get(self, key: str) -> bytes | None:
        found = self._memory.get(key)
        if found is None and self._redis is not None:
            found = self._redis.get(self.PREFIX + key)
            if found is not None:
                self._memory.set(key, found, LOCAL_COPY_SECONDS)
        return found

    def set(self, key: str, value: bytes, seconds: float) -> None:
        self._memory.set(key, value, seconds)
        if self._redis is not None:
            self._redis.set(self.PREFIX + key, value, px=max(1, int(seconds * 1000)))
