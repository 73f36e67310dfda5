"""The forum's pages, by concern: `reading` (board, categories, threads,
permalinks), `posting` (new threads, replies, edits, history), `search`,
`moderation` (tools on threads, posts and members; the report form) and
`queues` (reports, approval, the moderation log); `pagination` serves them all.

Views stay thin: parse input with a form, check permission, call an action,
redirect. `forum/urls.py` names each view by its module.
"""
