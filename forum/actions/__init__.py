"""Write paths of the forum. Each action is one transaction and the only place
that moves counters, positions and last-post fields. Actions check
`forum.permissions` themselves, so no caller (view, admin, command) can skip a rule.

Lock order, always: threads by ascending id, then categories by ascending id,
then users. Two writers that take locks in the same order cannot deadlock.

Every moderation action writes exactly one `ModerationLogEntry` in its own
transaction; an action that changes nothing (pinning a pinned thread) writes
nothing at all.

Counters count what readers see: `Thread.post_count` its approved, unhidden
posts; `Category.thread_count`/`post_count` its approved, unhidden threads and
their posts; `User.post_count` the member's approved, unhidden posts in
approved, unhidden threads. So a category's and a member's counters, and a
category's last post, only ever reflect what a guest may read: a moderator's
reply in a hidden or waiting thread moves its thread's counters alone.
Moderation actions recompute them with `recount_thread`, `recount_category` and
`recount_users` rather than by arithmetic; posting adds one where it counts.

Every action tells `forum.cache` what it changed (the calls run on commit), so
that guests' cached pages showing it are served fresh at once.

One module per concern: `posting` (threads, replies, edits), `threads`, `posts`,
`reports` and `members` (moderation tools), `counters` (the locks and recounts
above) and `log` (the moderation log, and `TOOLS`: the action of each verb of
`ModerationLogEntry.Action` that has a one-step tool). Callers import
`forum.actions` and use the names re-exported here.
"""

from .counters import (
    recount_category,
    recount_thread,
    recount_users,
)
from .log import (
    TOOLS,
    tool,
)
from .members import (
    hide_user_posts,
    lift_suspension,
    log_member_action,
    suspend_user,
)
from .posting import (
    DOUBLE_SUBMIT_WINDOW,
    LINK_PATTERN,
    SLUG_MAX_LENGTH,
    create_reply,
    create_thread,
    edit_post,
    needs_approval,
    slug_for_title,
)
from .posts import (
    approve_post,
    delete_post,
    hide_post,
    recommend_post,
    reject_post,
    restore_post,
    unrecommend_post,
)
from .reports import (
    close_reports,
    create_report,
    dismiss_report,
    resolve_report,
)
from .threads import (
    hide_thread,
    lock_thread,
    merge_thread,
    move_thread,
    pin_thread,
    rename_thread,
    split_thread,
    unhide_thread,
    unlock_thread,
    unpin_thread,
)

__all__ = [
    "DOUBLE_SUBMIT_WINDOW",
    "LINK_PATTERN",
    "SLUG_MAX_LENGTH",
    "TOOLS",
    "approve_post",
    "close_reports",
    "create_reply",
    "create_report",
    "create_thread",
    "delete_post",
    "dismiss_report",
    "edit_post",
    "hide_post",
    "hide_thread",
    "hide_user_posts",
    "lift_suspension",
    "lock_thread",
    "log_member_action",
    "merge_thread",
    "move_thread",
    "needs_approval",
    "pin_thread",
    "recount_category",
    "recount_thread",
    "recount_users",
    "recommend_post",
    "reject_post",
    "rename_thread",
    "resolve_report",
    "restore_post",
    "slug_for_title",
    "split_thread",
    "suspend_user",
    "tool",
    "unhide_thread",
    "unlock_thread",
    "unpin_thread",
    "unrecommend_post",
]
