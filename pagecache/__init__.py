"""Stored pages: guests' pages, pages members share, and their invalidation.

This package knows nothing of the forum. Views say what a page shows as names
(`pages.depends_on`), writers bump those names on commit
(`versions.bump_on_commit`), and the forum says which kinds of member share
pages (`settings.PAGECACHE_MEMBER_KIND`). `versions` holds the clock and the
versions, `pages` guests' pages, `members` members' shared pages and the one
per-member layer on them, `middleware` serves what is stored. The design, and
the contracts a view and a writer keep, are in docs/caching.md.
"""
