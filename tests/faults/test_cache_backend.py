"""The Redis cache backend fails soft (config/cache.py).

A refused connection (Redis stopped) and a silent one (Redis frozen: a socket
that accepts and never answers) cost a call at most the socket timeout, then
nothing while the breaker is open; rate-limit counters count in the process
meanwhile; and when a real Redis of the test's own comes back, the keys
written meanwhile are deleted and `recovered` is sent before anything is read.
"""

import logging
import socket
import threading
import time

import pytest

from config import cache as backend
from forum import actions
from tests.faults.servers import redis_server, spare_port

TIMEOUT = 0.25


@pytest.fixture(autouse=True)
def fresh_breakers(monkeypatch):
    """Each test gets breakers of its own."""
    monkeypatch.setattr(backend, "_breakers", {})


def make_cache(url, retry_seconds=1.0):
    return backend.RedisCache(
        url,
        {
            "KEY_PREFIX": "t",
            "OPTIONS": {
                "socket_connect_timeout": TIMEOUT,
                "socket_timeout": TIMEOUT,
                "RETRY_SECONDS": retry_seconds,
                "LOCAL_KEY_PREFIXES": ["rate:"],
            },
        },
    )


@pytest.fixture
def silent_server():
    """A port that accepts connections and never answers: a frozen Redis."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted = []
    stopping = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stopping.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        stopping.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        listener.close()


def every_call(cache):
    """Each method once, with what a miss answers."""
    assert cache.get("a") is None
    assert cache.get("a", "default") == "default"
    assert cache.add("a", 1) is False
    assert cache.set("a", 1) is None
    assert cache.touch("a") is False
    assert cache.delete("a") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("a") is False
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.delete_many(["a", "b"]) is None
    assert cache.get_or_set("a", 5) == 5
    with pytest.raises(ValueError):
        cache.incr("a")


def test_a_stopped_redis_is_a_miss_at_once(caplog):
    cache = make_cache(f"redis://127.0.0.1:{spare_port()}/0")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        for _ in range(50):
            every_call(cache)
    assert time.monotonic() - started < 1
    # Logged once for the outage, not per call.
    assert len(caplog.records) == 1
    assert "serving without it" in caplog.records[0].getMessage()


def test_a_frozen_redis_costs_one_timeout_then_nothing(silent_server):
    cache = make_cache(silent_server, retry_seconds=30)
    started = time.monotonic()
    assert cache.get("a", "default") == "default"
    first = time.monotonic() - started
    assert TIMEOUT * 0.8 < first < 4 * TIMEOUT
    started = time.monotonic()
    for _ in range(100):
        every_call(cache)
    assert time.monotonic() - started < 0.5


def test_other_threads_skip_while_the_breaker_is_open(silent_server):
    cache = make_cache(silent_server, retry_seconds=30)
    cache.get("a")
    timings = []

    def read():
        started = time.monotonic()
        make_cache(silent_server, retry_seconds=30).get("a")
        timings.append(time.monotonic() - started)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(timings) == 4
    assert max(timings) < 0.1


def test_rate_limit_counters_count_in_the_process_meanwhile():
    cache = make_cache(f"redis://127.0.0.1:{spare_port()}/0")
    assert cache.add("rate:member", 0, timeout=60) is True
    assert cache.incr("rate:member") == 1
    assert cache.incr("rate:member") == 2
    assert cache.get("rate:member") == 2
    assert cache.add("rate:member", 0, timeout=60) is False
    # Other keys are not kept.
    cache.set("page", "x")
    assert cache.get("page") is None


def test_recovery_deletes_what_was_written_meanwhile_and_tells(caplog):
    heard = []

    def hook(sender, location, **kwargs):
        # Called before other calls reach Redis, and free to use the cache.
        heard.append(cache.get("kept"))

    backend.recovered.connect(hook)
    try:
        with redis_server() as redis:
            cache = make_cache(redis.url, retry_seconds=0.5)
            cache.set("kept", "before")
            cache.set("session", "signed in")
            cache.set("version", 1)
            redis.freeze()
            try:
                # A sign-out and a bump, missed: Redis still holds the old values.
                cache.delete("session")
                cache.set("version", 2)
                cache.set_many({"page": "new"})
                assert cache.get("kept") is None
            finally:
                redis.thaw()
            assert cache.get("version") is None  # the breaker is still open
            time.sleep(0.6)
            with caplog.at_level(logging.WARNING, logger="config.cache"):
                assert cache.get("session") is None
            assert heard == ["before"]
            assert cache.get("version") is None
            assert cache.get("page") is None
            assert cache.get("kept") == "before"
            assert "is back" in caplog.records[-1].getMessage()
            # Closed again: writes reach Redis.
            cache.set("version", 3)
            assert cache.get("version") == 3
    finally:
        backend.recovered.disconnect(hook)


def test_a_failed_recovery_keeps_the_breaker_open():
    with redis_server() as redis:
        cache = make_cache(redis.url, retry_seconds=0.3)
        cache.set("session", "signed in")
        redis.freeze()
        try:
            cache.delete("session")  # missed
            time.sleep(0.35)
            started = time.monotonic()
            assert cache.get("session") is None  # the trial times out
            assert time.monotonic() - started < 4 * TIMEOUT
        finally:
            redis.thaw()
        time.sleep(0.35)
        # The missed delete is still remembered, and done now.
        assert cache.get("session") is None
        assert cache.get("session") is None


def test_a_write_while_redis_is_frozen_leaves_no_stale_page(
    client, settings, thread, user, committed
):
    """Redis keeps a page and its versions through a freeze, while a reply
    cannot bump them: once Redis is back, the page is rendered anew."""
    with redis_server() as redis:
        settings.CACHES = {
            alias: {
                "BACKEND": "config.cache.RedisCache",
                "LOCATION": redis.url,
                "OPTIONS": {"RETRY_SECONDS": 0.3},
            }
            for alias in ("default", "pages", "page_state")
        }
        settings.GUEST_PAGE_CACHE_SECONDS = 300
        url = thread.get_absolute_url()
        etag = client.get(url)["ETag"]
        assert client.get(url, headers={"if-none-match": etag}).status_code == 304
        redis.freeze()
        try:
            with committed():
                actions.create_reply(thread=thread, author=user, body="Said frozen")
        finally:
            redis.thaw()
        time.sleep(0.35)
        assert b"Said frozen" in client.get(url).content
