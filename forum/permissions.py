"""Every permission decision, in one place: views, templates and actions ask here.

Roles: administrators are staff (or superusers) and may do everything; global
moderators (members of the "Global moderators" group) moderate every category;
category moderators (`Category.moderators`) moderate their own categories only.

Functions return bool. They make at most two queries per user object, each
answered once and kept on it: the e-mail check and the moderator scope. Guests
never query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import BigIntegerField, Value
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


def can_moderate(user: User, category: Category | int) -> bool:
    """Whether the user moderates this category (a Category or its id)."""
    category_id = category if isinstance(category, int) else category.pk
    return category_id in moderator_scope(user)


def can_moderate_any(user: User) -> bool:
    """Moderators of at least one category: the queues and the log are theirs."""
    return bool(moderator_scope(user))


def can_see_hidden(user: User, category: Category | int) -> bool:
    """Moderators see hidden and waiting threads and posts of their categories."""
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


def can_post(user: User) -> bool:
    """Active, unsuspended members with a confirmed e-mail address may write."""
    return bool(
        user.is_authenticated
        and user.is_active
        and not user.is_suspended
        and has_verified_email(user)
    )


def can_reply(user: User, thread: Thread) -> bool:
    """Locked, hidden and waiting threads take replies from their moderators only."""
    if not can_post(user):
        return False
    if can_moderate(user, thread.category_id):
        return True
    if thread.is_hidden:
        return False
    if not thread.is_approved:
        return thread.author_id == user.pk
    return not thread.is_locked


def can_edit_post(user: User, post: Post, *, authored: bool | None = None) -> bool:
    """Authors edit their own posts while the thread is open; moderators edit
    any post of their categories.

    `authored` answers "is the post the user's?" instead of the post's author:
    a shared page renders both answers (forum.cache).
    """
    if not can_post(user):
        return False
    if can_moderate(user, post.thread.category_id):
        return True
    if authored is None:
        authored = post.author_id == user.pk
    return authored and not (
        post.is_hidden or post.thread.is_locked or post.thread.is_hidden
    )


def can_see_history(user: User, post: Post, *, authored: bool | None = None) -> bool:
    """A post's earlier versions are for its author and its moderators."""
    if authored is None:
        authored = post.author_id == user.pk
    return bool(
        user.is_authenticated
        and (authored or can_moderate(user, post.thread.category_id))
    )


def can_see_ip_address(user: User, post: Post) -> bool:
    """The address a post came from is for its moderators."""
    return can_moderate(user, post.thread.category_id)


def can_delete_post(user: User, post: Post) -> bool:
    """Deleting for good is for administrators; moderators hide."""
    return is_administrator(user) and not user.is_suspended


def can_report(user: User, post: Post, *, authored: bool | None = None) -> bool:
    """Members who may write report other members' posts."""
    if authored is None:
        authored = post.author_id == user.pk
    return can_post(user) and not authored


def can_suspend(user: User, member: User) -> bool:
    """Whether the user may suspend, ban, lift the suspension of, or hide every
    post of `member` (`suspend_refusal` says why not).

    Global moderators and administrators act on members, never on themselves
    nor on an administrator. Moderators (global or of a category, suspended
    now or not) are for administrators only: a moderator cannot silence
    another. Category moderators suspend nobody: a suspension is site-wide.
    """
    return not suspend_refusal(user, member)


def suspend_refusal(user: User, member: User) -> str:
    """Why the user may not suspend `member`, in words for the page; "" if
    they may (`can_suspend`)."""
    if not is_global_moderator(user):
        return "Only global moderators and administrators suspend members."
    if member.pk == user.pk:
        return "You cannot suspend yourself."
    if is_administrator(member):
        return "Administrators cannot be suspended."
    if not is_administrator(user) and _role_scope(member):
        return "Only administrators act on moderators."
    return ""


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
