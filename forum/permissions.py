"""Every permission decision, in one place: views, templates and actions ask here.

Roles: administrators are staff (or superusers) and may do everything; global
moderators (members of the "Global moderators" group) moderate every category;
category moderators (`Category.moderators`) moderate their own categories only.

Each rule is a `why_not_*` function that returns the reason, in words for the
page, why the user may not (an empty string when they may), beside its `can_*`
(the same rule as a bool). Views, actions and templates show that reason and
write none of their own. They make at most two queries per user object, each
answered once and kept on it: the e-mail check and the moderator scope (acting
on a member also asks whether that member moderates). Guests never query.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import BigIntegerField, Q, Value
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser as User

    from .models import Category, Post, Thread

GLOBAL_MODERATORS_GROUP = "Global moderators"


class _Everything:
    """The scope of administrators and global moderators: every category."""

    def __contains__(self, category_id) -> bool:
        return True

    def __bool__(self) -> bool:
        return True


EVERY_CATEGORY = _Everything()


def is_administrator(user: User) -> bool:
    """Staff and superusers: everything, plus the Django admin."""
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def moderator_scope(user: User) -> frozenset[int] | _Everything:
    """The ids of the categories the user moderates, or EVERY_CATEGORY.

    Asked once per user object (the answer is kept on it, like the e-mail
    check), so a page checks any number of posts with one query at most.
    Guests, suspended and inactive members moderate nothing, with no query.
    """
    if not (user.is_authenticated and user.is_active) or user.is_suspended:
        return frozenset()
    return _role_scope(user)


def _role_scope(user: User) -> frozenset[int] | _Everything:
    """What the user's roles give to moderate, suspended or not (one query at
    most, kept on the object)."""
    if is_administrator(user):
        return EVERY_CATEGORY
    if not hasattr(user, "_moderator_scope"):
        from .models import Category

        # One query: the moderated category ids, plus 0 (no category has id 0)
        # when the member is in the global moderators' group.
        rows = Category.moderators.through.objects.filter(user=user).values_list(
            "category_id"
        )
        in_group = (
            Group.objects.filter(name=GLOBAL_MODERATORS_GROUP, user=user)
            .annotate(category_id=Value(0, output_field=BigIntegerField()))
            .values_list("category_id")
        )
        rows = rows.union(in_group, all=True)
        ids = frozenset(category_id for (category_id,) in rows)
        user._moderator_scope = EVERY_CATEGORY if 0 in ids else ids
    return user._moderator_scope


def member_with_permission_facts(user_id: int) -> User | None:
    """The member `user_id`, with what `has_verified_email` and `moderator_scope`
    ask answered in the same query; None if there is no such member.

    The session's member is loaded this way (accounts.backends): a member who
    moderates nothing then costs no permission query at all. Plain SQL on a
    cursor because this runs on every signed-in request, and building the
    query with the ORM costs several times what running it does.
    """
    from .models import Category

    User = get_user_model()
    fields = User._meta.concrete_fields
    columns = ", ".join(f"member.{connection.ops.quote_name(f.column)}" for f in fields)
    sql = f"""
        SELECT {columns},
            EXISTS (SELECT 1 FROM {EmailAddress._meta.db_table} email
                WHERE email.user_id = member.id AND email.verified),
            EXISTS (SELECT 1 FROM {Category.moderators.through._meta.db_table} m
                WHERE m.user_id = member.id),
            EXISTS (SELECT 1 FROM {User.groups.through._meta.db_table} membership
                JOIN {Group._meta.db_table} grp ON grp.id = membership.group_id
                WHERE membership.user_id = member.id AND grp.name = %s)
        FROM {User._meta.db_table} member
        WHERE member.id = %s
    """  # noqa: S608 - names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [GLOBAL_MODERATORS_GROUP, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for field, value in zip(fields, row, strict=False):
        column = field.get_col(User._meta.db_table)
        # What the ORM would do to the value: SQLite's dates are text, say.
        for convert in connection.ops.get_db_converters(
            column
        ) + column.get_db_converters(connection):
            value = convert(value, column, connection)
        values.append(value)
    user = User.from_db(connection.alias, [f.attname for f in fields], values)
    verified_email, category_moderator, global_moderator = row[len(fields) :]
    user._has_verified_email = bool(verified_email)
    if global_moderator:
        user._moderator_scope = EVERY_CATEGORY
    elif not category_moderator:
        user._moderator_scope = frozenset()
    # A category moderator's scope (the category ids) is asked when needed.
    return user


def is_global_moderator(user: User) -> bool:
    """Administrators and members of the global moderators' group."""
    return moderator_scope(user) is EVERY_CATEGORY


def why_not_moderate(user: User, category: Category | int) -> str:
    """Why the user does not moderate this category (a Category or its id)."""
    category_id = category if isinstance(category, int) else category.pk
    if category_id in moderator_scope(user):
        return ""
    return "You do not moderate this category."


def can_moderate(user: User, category: Category | int) -> bool:
    """Whether the user moderates this category (a Category or its id)."""
    return not why_not_moderate(user, category)


def why_not_moderate_any(user: User) -> str:
    """Why the moderators' pages (queues, log) are not the user's."""
    return "" if moderator_scope(user) else "This page is for moderators."


def can_moderate_any(user: User) -> bool:
    """Moderators of at least one category: the queues and the log are theirs."""
    return not why_not_moderate_any(user)


# Visibility, written once. A rule is a list of alternatives, each a dict of
# field lookups ("thread__is_hidden": False, "category_id__in": ids); the
# querysets filter on it as Q objects (`visibility_q`) and `matches` checks one
# object in Python from the same dicts, so the two cannot disagree. None: all.

PUBLIC_THREAD = {"is_hidden": False, "is_approved": True}
PUBLIC_POST = {"is_hidden": False, "is_approved": True}


def thread_visibility(user: User) -> list[dict] | None:
    """Threads the user may read: everyone, threads neither hidden nor waiting
    for approval; their author also a waiting thread; moderators everything in
    their categories (guests cost no query)."""
    if not user.is_authenticated:
        return [PUBLIC_THREAD]
    scope = moderator_scope(user)
    if scope is EVERY_CATEGORY:
        return None
    return [
        PUBLIC_THREAD,
        {"is_hidden": False, "author_id": user.pk},
        {"category_id__in": scope},
    ]


def post_visibility(user: User) -> list[dict] | None:
    """Posts the user may read: everyone, public posts of public threads; their
    author also own hidden or waiting posts in threads not hidden; moderators
    everything in their categories."""
    public = {**PUBLIC_POST, **{f"thread__{k}": v for k, v in PUBLIC_THREAD.items()}}
    if not user.is_authenticated:
        return [public]
    scope = moderator_scope(user)
    if scope is EVERY_CATEGORY:
        return None
    return [
        public,
        {"author_id": user.pk, "thread__is_hidden": False},
        {"thread__category_id__in": scope},
    ]


def post_in_thread_visibility(user: User, thread: Thread) -> list[dict] | None:
    """`post_visibility` for the posts of `thread`, a thread the user sees
    (`thread_visibility`), on the post's own fields only."""
    if not user.is_authenticated:
        return [PUBLIC_POST]
    if thread.category_id in moderator_scope(user):
        return None
    return [PUBLIC_POST, {"author_id": user.pk}]


def visibility_q(rule: list[dict]) -> Q:
    """A visibility rule (not None) as one Q object, its alternatives ORed."""
    return reduce(operator.or_, (Q(**lookups) for lookups in rule))


def matches(obj, rule: list[dict] | None) -> bool:
    """Whether `obj` passes a visibility rule, checked on its attributes."""
    return rule is None or any(
        all(_passes(obj, key, value) for key, value in lookups.items())
        for lookups in rule
    )


def _passes(obj, key: str, value) -> bool:
    *path, last = key.split("__")
    if last != "in":
        path.append(last)
    for name in path:
        obj = getattr(obj, name)
    return obj in value if last == "in" else obj == value


def can_see_thread(user: User, thread: Thread) -> bool:
    """Whether the user may read the thread (`thread_visibility`)."""
    return matches(thread, thread_visibility(user))


def can_see_post(user: User, post: Post) -> bool:
    """Whether the user may read the post (`post_visibility`)."""
    return matches(post, post_visibility(user))


def can_see_hidden(user: User, category: Category | int) -> bool:
    """Moderators see hidden and waiting threads and posts of their categories
    (refused, they are not found: no reason is shown)."""
    return can_moderate(user, category)


def has_verified_email(user: User) -> bool:
    """True when the member confirmed an e-mail address (checked once per object)."""
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_has_verified_email"):
        user._has_verified_email = EmailAddress.objects.filter(
            user=user, verified=True
        ).exists()
    return user._has_verified_email


def why_not_post(user: User) -> str:
    """Why the user may not write at all: active, unsuspended members with a
    confirmed e-mail address may."""
    if not (user.is_authenticated and user.is_active):
        return "Sign in to post."
    if user.is_suspended:
        return suspension_message(user)
    if not has_verified_email(user):
        return (
            "Confirm your e-mail address before posting: "
            "follow the link in the mail we sent you."
        )
    return ""


def can_post(user: User) -> bool:
    """Active, unsuspended members with a confirmed e-mail address may write."""
    return not why_not_post(user)


def why_not_reply(user: User, thread: Thread) -> str:
    """Why the user may not reply: locked, hidden and waiting threads take
    replies from their moderators only (a waiting one from its author too)."""
    if refusal := why_not_post(user):
        return refusal
    if can_moderate(user, thread.category_id):
        return ""
    if thread.is_hidden or not (thread.is_approved or thread.author_id == user.pk):
        return "You cannot reply to this thread."
    if thread.is_approved and thread.is_locked:
        return "This thread is locked: it takes no new replies."
    return ""


def can_reply(user: User, thread: Thread) -> bool:
    """Whether the user may reply to the thread (see `why_not_reply`)."""
    return not why_not_reply(user, thread)


def why_not_edit_post(user: User, post: Post, *, authored: bool | None = None) -> str:
    """Why the user may not edit the post: authors edit their own posts while
    the thread is open; moderators edit any post of their categories.

    `authored` answers "is the post the user's?" instead of the post's author:
    a shared page renders both answers (forum.cache).
    """
    if user.is_authenticated and user.is_suspended:
        return suspension_message(user)
    if is_administrator(user) and user.is_active:
        # Administrators correct posts in the admin too, confirmed e-mail or not.
        return ""
    refused = "You cannot edit this post."
    if not can_post(user):
        return refused
    if can_moderate(user, post.thread.category_id):
        return ""
    if authored is None:
        authored = post.author_id == user.pk
    if authored and not (
        post.is_hidden or post.thread.is_locked or post.thread.is_hidden
    ):
        return ""
    return refused


def can_edit_post(user: User, post: Post, *, authored: bool | None = None) -> bool:
    """Whether the user may edit the post (see `why_not_edit_post`)."""
    return not why_not_edit_post(user, post, authored=authored)


def why_not_see_history(user: User, post: Post, *, authored: bool | None = None) -> str:
    """Why the user may not see a post's earlier versions: they are for its
    author and its moderators."""
    if authored is None:
        authored = post.author_id == user.pk
    if user.is_authenticated and (
        authored or can_moderate(user, post.thread.category_id)
    ):
        return ""
    return "Only the author and moderators see a post's history."


def can_see_history(user: User, post: Post, *, authored: bool | None = None) -> bool:
    """A post's earlier versions are for its author and its moderators."""
    return not why_not_see_history(user, post, authored=authored)


def can_see_ip_address(user: User, post: Post) -> bool:
    """The address a post came from is for its moderators (refused, it is not
    shown: no reason)."""
    return can_moderate(user, post.thread.category_id)


def why_not_delete_posts(user: User) -> str:
    """Why the user has no "delete for good" tool: it is for administrators;
    moderators hide."""
    if is_administrator(user) and not user.is_suspended:
        return ""
    return "Only administrators delete posts; hide it instead."


def why_not_delete_post(user: User, post: Post) -> str:
    """Why the user may not delete this post for good: the tool's rule
    (`why_not_delete_posts`), and the opening post stays (hide the thread)."""
    if refusal := why_not_delete_posts(user):
        return refusal
    if post.position == 1:
        return "The opening post cannot be deleted; hide the thread instead."
    return ""


def can_delete_post(user: User, post: Post) -> bool:
    """Whether the user may delete this post for good (see `why_not_delete_post`)."""
    return not why_not_delete_post(user, post)


def why_not_report(user: User, post: Post, *, authored: bool | None = None) -> str:
    """Why the user may not report the post: members who may write report
    other members' posts."""
    if user.is_authenticated and user.is_suspended:
        return suspension_message(user)
    if authored is None:
        authored = post.author_id == user.pk
    if authored:
        return "You cannot report your own post."
    return why_not_post(user)


def can_report(user: User, post: Post, *, authored: bool | None = None) -> bool:
    """Members who may write report other members' posts."""
    return not why_not_report(user, post, authored=authored)


def holds_moderator_role(member: User) -> bool:
    """Whether the member is an administrator, a global moderator or a category
    moderator, suspended or not (one query unless known already)."""
    if is_administrator(member):
        return True
    if member.is_active and not member.is_suspended:
        return bool(moderator_scope(member))
    from .models import Category

    return (
        Category.moderators.through.objects.filter(user=member).exists()
        or Group.objects.filter(name=GLOBAL_MODERATORS_GROUP, user=member).exists()
    )


def why_not_act_on_member(user: User, member: User) -> str:
    """Why the user may not act on this member as a moderator (suspend, ban,
    lift, hide all posts): only administrators act on moderators, global and
    category moderators alike."""
    if is_administrator(user) or not holds_moderator_role(member):
        return ""
    return "Only administrators act on moderators."


def can_act_on_member(user: User, member: User) -> bool:
    """Whether the user may act on this member (see `why_not_act_on_member`)."""
    return not why_not_act_on_member(user, member)


def why_not_suspend(user: User, member: User) -> str:
    """Why the user may not suspend, ban, lift the suspension of or hide all
    posts of this member: global moderators and administrators do, never to
    themselves nor an administrator, and only administrators to moderators
    (`why_not_act_on_member`). Category moderators do not: it is site-wide.
    """
    if not is_global_moderator(user):
        return "Only global moderators and administrators suspend members."
    if member.pk == user.pk:
        return "You cannot suspend yourself."
    if is_administrator(member):
        return "Administrators cannot be suspended."
    return why_not_act_on_member(user, member)


def can_suspend(user: User, member: User) -> bool:
    """Whether the user may suspend this member (see `why_not_suspend`)."""
    return not why_not_suspend(user, member)


def why_not_clear_profile(user: User, member: User) -> str:
    """Why the user may not clear this member's display name, bio and avatar:
    the rule of suspending (`why_not_suspend`), in its own words."""
    if not is_global_moderator(user):
        return "Only global moderators and administrators clear members' profiles."
    if member.pk == user.pk:
        return "Change your own profile in your settings."
    if is_administrator(member):
        return "Administrators' profiles cannot be cleared."
    return why_not_act_on_member(user, member)


def can_clear_profile(user: User, member: User) -> bool:
    """Whether the user may clear this member's profile (see
    `why_not_clear_profile`)."""
    return not why_not_clear_profile(user, member)


def why_not_edit_profile(user: User) -> str:
    """Why the member may not change their display name, bio or avatar: they
    are shown publicly, so a suspended or banned member's stay as they are."""
    if user.is_authenticated and user.is_suspended:
        return suspension_message(user)
    return ""


def can_edit_profile(user: User) -> bool:
    """Whether the member may change their profile (see `why_not_edit_profile`)."""
    return not why_not_edit_profile(user)


def shared_page_kind(user: User) -> tuple[str, dict] | None:
    """Which pages members share (pagecache.members): one rendering for the
    members who may post, one for those who may not yet, with what the
    permission checks above ask of such a member; None for moderators and
    suspended members, whose pages are their own."""
    if user.is_suspended or can_moderate_any(user):
        return None
    verified = can_post(user)
    facts = {
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
        "is_suspended": False,
        "_has_verified_email": verified,
        "_moderator_scope": frozenset(),
    }
    return ("member" if verified else "member-unverified"), facts


def suspension_message(user: User) -> str:
    """Why a suspended member cannot write, with the reason and the end date."""
    reason = f" Reason: {user.suspension_reason}" if user.suspension_reason else ""
    if user.suspended_until is None:
        return f"Your account is banned.{reason}"
    until = timezone.localtime(user.suspended_until).strftime("%Y-%m-%d %H:%M %Z")
    return f"Your account is suspended until {until}.{reason}"
