"""The page store: memory with expiry and a size bound, and Redis shared between processes."""
from __future__ import annotations

import os

import pytest

from portal.caching import store as store_module
from portal.caching.store import PageStore

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture
def redis_url():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise  # CI has Redis: its absence is a failure there
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield REDIS_URL
    client.flushdb()


def test_memory_entries_expire_and_the_oldest_go_first(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(store_module.time, "monotonic", lambda: clock[0])
    pages = PageStore(max_entries=2)
    pages.set("a", b"A", 10)
    pages.set("b", b"B", 10)
    assert pages.get("a") == b"A"  # now the most recently used
    pages.set("c", b"C", 10)
    assert (pages.get("a"), pages.get("b"), pages.get("c")) == (b"A", None, b"C")
    clock[0] += 10
    assert pages.get("a") is None


def test_a_new_generation_forgets_the_pages_of_this_process():
    pages = PageStore()
    pages.set("k", b"page", 60)
    before = pages.generation()
    pages.next_generation()
    assert pages.generation() == before + 1
    assert pages.get("k") is None


def test_processes_share_pages_and_the_generation_through_redis(redis_url, monkeypatch):
    one, other = PageStore(redis_url), PageStore(redis_url)
    assert one.generation() == other.generation() == 0
    one.set("0:-:/de/:-", b"<html>", 60)
    assert other.get("0:-:/de/:-") == b"<html>"
    one.next_generation()
    assert one.generation() == 1  # at once where the change was made
    assert other.generation() == 0  # elsewhere within GENERATION_CHECK_SECONDS
    monkeypatch.setattr(store_module, "GENERATION_CHECK_SECONDS", 0)
    assert other.generation() == 1


def test_redis_entries_expire_by_themselves(redis_url):
    import redis

    PageStore(redis_url).set("key", b"page", 2.5)
    ttl = redis.Redis.from_url(redis_url).pttl(PageStore.PREFIX + "key")
    assert 0 < ttl <= 2500
