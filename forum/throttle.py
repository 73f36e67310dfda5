"""Rate limits counted in the cache (shared through Redis when there are several
app servers): posting, editing, previewing, reporting, searching and avatar
uploads per member, searching per guest address."""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

NEW_ACCOUNT_AGE = timedelta(days=1)


def _parse_rate(rate: str) -> tuple[int, int]:
    """ "10/60" means at most 10 in 60 seconds."""
    count, seconds = rate.split("/")
    return int(count), int(seconds)


def posting_rate(user) -> tuple[int, int]:
    """The (count, seconds) limit for this member: stricter for new accounts."""
    if timezone.now() - user.date_joined < NEW_ACCOUNT_AGE:
        return _parse_rate(settings.NEW_ACCOUNT_POST_RATE_LIMIT)
    return _parse_rate(settings.POST_RATE_LIMIT)


def allow_post(user) -> bool:
    """Count one post for the member; False when over the limit in this window.

    A fixed window: the first post starts it, and it ends `seconds` later.
    """
    limit, seconds = posting_rate(user)
    return _count_in_window(f"post-rate:{user.pk}", limit, seconds)


def allow_edit(user) -> bool:
    """Count one saved edit for the member; False when over the limit.

    The posting limits apply (an edit stores a revision, re-renders and
    reindexes, as a post does), in a bucket of their own so that fixing a
    typo never costs the member a reply.
    """
    limit, seconds = posting_rate(user)
    return _count_in_window(f"edit-rate:{user.pk}", limit, seconds)


def allow_preview(user) -> bool:
    """Count one preview for the member; False when over `PREVIEW_RATE_LIMIT`.

    Generous, since previewing is how people write, but bounded: each one
    renders up to a whole post of Markdown.
    """
    limit, seconds = _parse_rate(settings.PREVIEW_RATE_LIMIT)
    return _count_in_window(f"preview-rate:{user.pk}", limit, seconds)


def allow_avatar_upload(user) -> bool:
    """Count one avatar upload for the member; False when over `AVATAR_RATE_LIMIT`.

    Counted before the image is decoded (the decoding is the cost), so a
    refused or damaged upload counts too.
    """
    limit, seconds = _parse_rate(settings.AVATAR_RATE_LIMIT)
    return _count_in_window(f"avatar-rate:{user.pk}", limit, seconds)


def allow_search(client: str) -> bool:
    """Count one guest search from this address; False when over the limit."""
    limit, seconds = _parse_rate(settings.SEARCH_RATE_LIMIT)
    return _count_in_window(f"search-rate:{client}", limit, seconds)


def allow_member_search(user) -> bool:
    """Count one search by a member; False when over MEMBER_SEARCH_RATE_LIMIT
    (more generous than a guest address's: members are accountable)."""
    limit, seconds = _parse_rate(settings.MEMBER_SEARCH_RATE_LIMIT)
    return _count_in_window(f"member-search-rate:{user.pk}", limit, seconds)


def allow_report(user) -> bool:
    """Count one report by a member; False when over REPORT_RATE_LIMIT."""
    limit, seconds = _parse_rate(settings.REPORT_RATE_LIMIT)
    return _count_in_window(f"report-rate:{user.pk}", limit, seconds)


def _count_in_window(key: str, limit: int, seconds: int) -> bool:
    """Count one event under `key`: a fixed window that the first event starts."""
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count <= limit
