"""Versions: what a stored page depends on, and the clock that orders writes.

A page depends on names ("thread:12", "site"...; the forum chooses them). Each
name has a version in the default cache, a value of one clock that every bump
increments. A stored page keeps the versions it was rendered with and is served
only while each is unchanged; a write bumps the names of what it changed, on
commit. See docs/caching.md.
"""

import time

from django.core.cache import caches
from django.db import transaction

CLOCK_KEY = "guest-page:clock"
VERSION_PREFIX = "guest-page:v:"
# Every page depends on this name: bumping it makes every stored page stale.
SITE = "site"
# Versions, the clock and members' cards live in a cache alias of their own
# (settings.CACHES), so that nothing a visitor can make many of evicts the
# rate-limit counters and sessions of the default cache, nor these.
STATE = "page_state"


def state():
    """The cache holding versions, the clock and members' cards."""
    return caches[STATE]


def bump_on_commit(*names: str) -> None:
    """Bump these names when the current transaction commits (at once outside one)."""
    # robust: the write has committed; a cache outage must not turn it into a 500
    # (pages then expire after GUEST_PAGE_CACHE_SECONDS).
    transaction.on_commit(lambda: bump(*names), robust=True)


def bump(*names: str) -> None:
    """Give each name a new version now (tests and commands; writes use
    `bump_on_commit`).

    With the cache unavailable (no clock to tick), the versions are deleted
    instead: a missing version validates no stored page, and a cache that
    fails soft (config/state().py) replays the deletes when it is back.
    """
    keys = [VERSION_PREFIX + name for name in names]
    try:
        now = tick()
    except ValueError:
        state().delete_many(keys)
        return
    state().set_many(dict.fromkeys(keys, now), timeout=None)


def clock() -> int | None:
    """The clock's current value: a reader notes it before its first query.
    None when the cache is unavailable: then nothing is stored."""
    value = state().get(CLOCK_KEY)
    if value is None:
        # Start (or restart, after an eviction) above every value handed out
        # before: microseconds since the epoch outrun any number of increments.
        state().add(CLOCK_KEY, time.time_ns() // 1000, timeout=None)
        value = state().get(CLOCK_KEY)
    return value


def tick() -> int:
    """Advance the clock; its new value. ValueError if the cache is unavailable."""
    clock()
    try:
        return state().incr(CLOCK_KEY)
    except ValueError:  # evicted between the two calls
        clock()
        return state().incr(CLOCK_KEY)


def is_current(versions: dict) -> bool:
    """Whether every version (keyed as stored) still holds: one round trip."""
    current = state().get_many(list(versions))
    # A missing version (never written, or evicted) never matches: the page is
    # rendered again, and the version is written anew.
    return all(current.get(key) == value for key, value in versions.items())


def versions_as_of(names, started: int) -> dict | None:
    """The versions of `names` (keyed as stored), giving `started` to those
    without one; None if any is newer than `started`: a write committed since,
    so what was read after `started` may be the old rows."""
    version_keys = [VERSION_PREFIX + name for name in names]
    versions = state().get_many(version_keys)
    missing = [k for k in version_keys if k not in versions]
    for version_key in missing:
        state().add(version_key, started, timeout=None)
    if missing:
        versions.update(state().get_many(missing))
    if len(versions) < len(version_keys) or any(
        value > started for value in versions.values()
    ):
        return None
    return versions
