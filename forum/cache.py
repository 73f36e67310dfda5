"""What the forum's pages show, in the page cache's terms (`pagecache`).

A page depends on names: "thread:<id>", "category:<id>", "member:<id>",
"posts-by:<id>", "categories" (the list of categories) and "site". Views say
what their page shows with `page_shows`; every write action calls the
functions below for what it changed, inside its transaction (they defer
themselves to commit): `forum.actions`, `accounts.actions`, the admin and
`seed_demo` do. What each makes stale, and what may lag, is in
docs/caching.md.
"""

from collections.abc import Iterable

from pagecache.members import card_name
from pagecache.pages import depends_on
from pagecache.versions import SITE, bump_on_commit

CATEGORY_LIST = "categories"


def thread_changed(thread_id: int, category_id: int) -> None:
    """A thread's posts, title or flags changed: its pages, category, board index."""
    bump_on_commit(f"thread:{thread_id}", f"category:{category_id}", CATEGORY_LIST)


def category_changed(*category_ids: int | None) -> None:
    """Categories changed (name, order, parent, counters): their pages and the index."""
    bump_on_commit(
        *(f"category:{pk}" for pk in category_ids if pk is not None), CATEGORY_LIST
    )


def member_changed(user_id: int) -> None:
    """A member's name, avatar or status changed: every page that shows them,
    and their card."""
    bump_on_commit(f"member:{user_id}", f"posts-by:{user_id}", card_name(user_id))


def member_posted(user_id: int) -> None:
    """A member wrote a post: their profile (post count, latest posts).

    Other pages showing their post count are left to expire (docs/caching.md).
    """
    bump_on_commit(f"posts-by:{user_id}")


def site_changed() -> None:
    """Something every page may show changed: every stored page is stale."""
    bump_on_commit(SITE)


def page_shows(
    request,
    *,
    threads: Iterable[int] = (),
    categories: Iterable[int | None] = (),
    members: Iterable[int] = (),
    posts_by: Iterable[int] = (),
    category_list: bool = False,
) -> None:
    """Record what the page being rendered shows, so its writes invalidate it.

    A no-op outside a `guest_page` view or when the page is not being cached.
    """
    depends_on(
        request,
        *(f"thread:{pk}" for pk in threads),
        *(f"category:{pk}" for pk in categories if pk is not None),
        *(f"member:{pk}" for pk in members if pk is not None),
        *(f"posts-by:{pk}" for pk in posts_by),
        *([CATEGORY_LIST] if category_list else []),
    )
