"""Moderation actions: roles, counters after every change, and the log."""

import inspect
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from forum import actions, permissions
from forum.models import Category, ModerationLogEntry, Post, Report, Thread
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def fresh(obj):
    obj.refresh_from_db()
    return obj


def reply(thread, author, body):
    return actions.create_reply(thread=thread, author=author, body=body)


def later(post, minutes):
    """Move a post's time forward, so ordering by time is unambiguous."""
    Post.objects.filter(pk=post.pk).update(
        created_at=post.created_at + timedelta(minutes=minutes)
    )


def counters(thread):
    """What the pages show for a thread, its category and its authors."""
    thread = Thread.objects.get(pk=thread.pk)
    category = Category.objects.get(pk=thread.category_id)
    return {
        "thread_posts": thread.post_count,
        "thread_last": thread.last_post_id,
        "last_position": thread.last_position,
        "category_threads": category.thread_count,
        "category_posts": category.post_count,
        "category_last": category.last_post_id,
    }


# Roles and scope.


def test_guests_moderate_nothing_and_cost_no_query(django_assert_num_queries):
    """A guest's scope is empty, answered without touching the database."""
    with django_assert_num_queries(0):
        assert not permissions.can_moderate_any(AnonymousUser())


def test_category_moderator_moderates_their_category_only(
    category, moderator, django_assert_num_queries
):
    """The scope is asked once per user object, then kept."""
    other = CategoryFactory()
    with django_assert_num_queries(1):
        assert permissions.can_moderate(moderator, category)
        assert not permissions.can_moderate(moderator, other)
        assert permissions.can_moderate(moderator, category.pk)


def test_global_moderators_and_administrators_moderate_everything(
    category, global_moderator, staff
):
    """Group members and staff moderate every category."""
    for member in (global_moderator, staff):
        assert permissions.can_moderate(member, category)
        assert permissions.is_global_moderator(member)


def test_suspended_moderator_moderates_nothing(category, moderator):
    """A suspension takes the moderator's tools away too."""
    moderator.suspended_at = timezone.now()
    assert not permissions.can_moderate(moderator, category)
    assert not permissions.can_post(moderator)


def test_members_moderate_nothing(category, user):
    """A member with no role has an empty scope."""
    assert not permissions.can_moderate(user, category)
    assert not permissions.can_moderate_any(user)


# Hiding and restoring posts.


def test_hiding_the_last_post_moves_every_last_post_back(make_thread, moderator, user):
    """Thread and category point to the newest visible post; counts drop by one."""
    thread = make_thread(posts=3)
    third = thread.posts.get(position=3)
    second = thread.posts.get(position=2)

    actions.hide_post(post=third, actor=moderator, reason="Spam")

    state = counters(thread)
    assert state["thread_posts"] == 2
    assert state["thread_last"] == second.pk
    assert state["last_position"] == 3
    assert state["category_posts"] == 2
    assert state["category_last"] == second.pk
    assert fresh(user).post_count == 2
    hidden = fresh(third)
    assert (hidden.is_hidden, hidden.hidden_by, hidden.hidden_reason) == (
        True,
        moderator,
        "Spam",
    )
    assert fresh(thread).last_post_at == second.created_at


def test_restoring_a_post_puts_the_counters_back(make_thread, moderator, user):
    """Hide then restore leaves every counter as it was."""
    thread = make_thread(posts=3)
    before = counters(thread)
    post = thread.posts.get(position=3)

    actions.hide_post(post=post, actor=moderator)
    actions.restore_post(post=post, actor=moderator)

    assert counters(thread) == before
    assert fresh(user).post_count == 3
    assert not fresh(post).is_hidden


def test_hidden_posts_keep_their_positions_and_pages(make_thread, moderator, user):
    """Pages are counted from positions, so hiding shifts nothing; new replies
    take the next position."""
    thread = make_thread(posts=25)
    actions.hide_post(post=thread.posts.get(position=5), actor=moderator)

    new = reply(fresh(thread), user, "After the hide")

    assert fresh(thread).page_count == 2
    assert new.position == 26
    assert thread.posts.get(position=21).page_number == 2


# Hiding threads.


def test_hiding_a_thread_takes_it_out_of_its_category(
    category, make_thread, moderator, user
):
    """The category counts and last post skip a hidden thread, and come back."""
    older = make_thread(posts=2, title="Older")
    newer = make_thread(posts=3, title="Newer")
    before = counters(newer)

    actions.hide_thread(thread=newer, actor=moderator, reason="Off topic")

    category.refresh_from_db()
    assert (category.thread_count, category.post_count) == (1, 2)
    assert category.last_post_id == fresh(older).last_post_id
    assert fresh(user).post_count == 2

    actions.unhide_thread(thread=newer, actor=moderator)

    assert counters(newer) == before
    assert fresh(user).post_count == 5


def test_pin_and_lock_flags_change(thread, moderator):
    """Pin, lock and their reverses set the flags."""
    actions.pin_thread(thread=thread, actor=moderator)
    actions.lock_thread(thread=thread, actor=moderator)
    assert (fresh(thread).is_pinned, thread.is_locked) == (True, True)
    actions.unpin_thread(thread=thread, actor=moderator)
    actions.unlock_thread(thread=thread, actor=moderator)
    assert (fresh(thread).is_pinned, thread.is_locked) == (False, False)


def test_an_action_that_changes_nothing_writes_nothing(thread, moderator):
    """Pinning a pinned thread is a no-op, with no log entry."""
    actions.pin_thread(thread=thread, actor=moderator)
    actions.pin_thread(thread=thread, actor=moderator)
    assert ModerationLogEntry.objects.filter(action="thread.pin").count() == 1


def test_rename_changes_title_and_slug(thread, moderator):
    """A renamed thread gets the slug of its new title."""
    actions.rename_thread(thread=thread, actor=moderator, title="Better title")
    assert (fresh(thread).title, thread.slug) == ("Better title", "better-title")


# Moving.


def test_moving_a_thread_recounts_both_categories(
    category, make_thread, global_moderator
):
    """Counts and last posts follow the thread to its new category."""
    staying = make_thread(posts=2, title="Staying")
    moving = make_thread(posts=3, title="Moving")
    target = CategoryFactory()

    actions.move_thread(thread=moving, actor=global_moderator, category=target)

    category.refresh_from_db()
    target.refresh_from_db()
    assert (category.thread_count, category.post_count) == (1, 2)
    assert category.last_post_id == fresh(staying).last_post_id
    assert (target.thread_count, target.post_count) == (1, 3)
    assert target.last_post_id == fresh(moving).last_post_id
    assert fresh(moving).category == target


def test_moving_needs_both_categories_in_scope(thread, moderator):
    """A category moderator cannot move a thread out of their reach."""
    with pytest.raises(PermissionDenied):
        actions.move_thread(thread=thread, actor=moderator, category=CategoryFactory())
    assert fresh(thread).category_id == thread.category_id
    assert not ModerationLogEntry.objects.exists()


def test_moving_into_the_same_category_is_refused(thread, moderator, category):
    """Nothing to move: a clear error, nothing written."""
    with pytest.raises(ValidationError):
        actions.move_thread(thread=thread, actor=moderator, category=category)
    assert not ModerationLogEntry.objects.exists()


# Merging.


def test_merge_renumbers_posts_by_time_and_recounts(
    category, make_thread, moderator, user
):
    """Posts of both threads interleave by time as 1..N; the source is gone."""
    target = make_thread(posts=3, title="Target")
    source = make_thread(posts=2, title="Source")
    # Target posts at +0, +10, +20 minutes; source posts at +5, +25.
    for number, post in enumerate(target.posts.order_by("position")):
        later(post, number * 10)
    source_posts = list(source.posts.order_by("position"))
    later(source_posts[0], 5)
    later(source_posts[1], 25)
    ids_before = set(Post.objects.values_list("pk", flat=True))

    merged = actions.merge_thread(thread=source, into=target, actor=moderator)

    ordered = list(merged.posts.order_by("position"))
    assert [post.position for post in ordered] == [1, 2, 3, 4, 5]
    assert [post.created_at for post in ordered] == sorted(
        post.created_at for post in ordered
    )
    assert ordered[1].pk == source_posts[0].pk
    assert ordered[-1].pk == source_posts[1].pk
    assert set(Post.objects.values_list("pk", flat=True)) == ids_before
    assert not Thread.objects.filter(pk=source.pk).exists()
    state = counters(merged)
    assert state["thread_posts"] == 5
    assert state["last_position"] == 5
    assert state["thread_last"] == source_posts[1].pk
    assert (state["category_threads"], state["category_posts"]) == (1, 5)
    assert state["category_last"] == source_posts[1].pk


def test_merge_across_categories_recounts_both(make_thread, global_moderator):
    """The source's category loses the thread and its posts."""
    target = make_thread(posts=2, title="Target")
    source = make_thread(posts=2, title="Source", category=CategoryFactory())
    source_category = source.category

    actions.merge_thread(thread=source, into=target, actor=global_moderator)

    source_category.refresh_from_db()
    assert (source_category.thread_count, source_category.post_count) == (0, 0)
    assert source_category.last_post_id is None
    assert counters(target)["category_posts"] == 4


def test_merging_a_thread_into_itself_is_refused(thread, moderator):
    """A clear error, and nothing is written."""
    with pytest.raises(ValidationError, match="itself"):
        actions.merge_thread(thread=thread, into=thread, actor=moderator)
    assert not ModerationLogEntry.objects.exists()


# Splitting.


def test_split_moves_posts_to_a_new_thread_numbered_from_one(
    category, make_thread, moderator, user
):
    """Chosen posts leave; the new thread numbers them 1..N; both are recounted."""
    thread = make_thread(posts=5)
    chosen = list(thread.posts.filter(position__in=[2, 4]).order_by("position"))

    new = actions.split_thread(
        thread=thread,
        actor=moderator,
        post_ids=[post.pk for post in chosen],
        title="Split off",
        category=category,
    )

    assert [(p.pk, p.position) for p in new.posts.order_by("position")] == [
        (chosen[0].pk, 1),
        (chosen[1].pk, 2),
    ]
    assert (new.post_count, new.last_position, new.last_post_id) == (2, 2, chosen[1].pk)
    assert new.author_id == chosen[0].author_id
    old = counters(thread)
    assert old["thread_posts"] == 3
    assert old["last_position"] == 5
    assert old["thread_last"] == thread.posts.get(position=5).pk
    assert (old["category_threads"], old["category_posts"]) == (2, 5)
    assert fresh(user).post_count == 5


def test_splitting_the_last_posts_moves_the_last_post_back(
    make_thread, moderator, category
):
    """The old thread's last post is its newest remaining one."""
    thread = make_thread(posts=3)
    last = thread.posts.get(position=3)

    new = actions.split_thread(
        thread=thread,
        actor=moderator,
        post_ids=[last.pk],
        title="Later",
        category=category,
    )

    assert counters(thread)["thread_last"] == thread.posts.get(position=2).pk
    assert counters(new)["category_last"] == last.pk


@pytest.mark.parametrize(
    ("choose", "message"),
    [
        (lambda thread, other: [], "at least one"),
        (lambda thread, other: [thread.posts.get(position=1).pk], "opening post"),
        (lambda thread, other: [other.posts.get().pk], "not in this thread"),
    ],
)
def test_bad_splits_are_refused(make_thread, moderator, category, choose, message):
    """No posts, the opening post or another thread's posts: nothing changes."""
    thread = make_thread(posts=3)
    other = make_thread(posts=1, title="Other")
    before = counters(thread)

    with pytest.raises(ValidationError, match=message):
        actions.split_thread(
            thread=thread,
            actor=moderator,
            post_ids=choose(thread, other),
            title="Nope",
            category=category,
        )

    assert counters(thread) == before
    assert Thread.objects.count() == 2
    assert not ModerationLogEntry.objects.exists()


# Deleting.


def test_deleting_a_post_recounts_and_keeps_its_position_unused(
    make_thread, staff, user
):
    """The next reply does not reuse the deleted post's position."""
    thread = make_thread(posts=3)
    actions.delete_post(post=thread.posts.get(position=3), actor=staff, reason="Dup")

    state = counters(thread)
    assert state["thread_posts"] == 2
    assert state["thread_last"] == thread.posts.get(position=2).pk
    assert state["category_last"] == state["thread_last"]
    assert fresh(user).post_count == 2
    assert reply(fresh(thread), user, "Next").position == 4


def test_only_administrators_delete_posts(make_thread, global_moderator):
    """Moderators hide; deleting is refused and nothing is written."""
    thread = make_thread(posts=2)
    with pytest.raises(PermissionDenied):
        actions.delete_post(post=thread.posts.get(position=2), actor=global_moderator)
    assert thread.posts.count() == 2
    assert not ModerationLogEntry.objects.exists()


def test_opening_post_cannot_be_deleted(thread, staff):
    """Delete a thread's opener and the thread would have none: refused."""
    with pytest.raises(ValidationError):
        actions.delete_post(post=thread.posts.get(), actor=staff)
    assert thread.posts.count() == 1


# Recommending.


def test_recommend_and_unrecommend(thread, moderator):
    """The flag fills the "Recommended Posts" section; counters do not move."""
    post = thread.posts.get()
    before = counters(thread)
    actions.recommend_post(post=post, actor=moderator)
    assert fresh(post).is_recommended
    actions.unrecommend_post(post=post, actor=moderator)
    assert not fresh(post).is_recommended
    assert counters(thread) == before


# Edits by moderators.


def test_moderator_edit_records_the_editor_and_logs(thread, moderator):
    """A moderator's edit of another member's post keeps a revision and a log."""
    post = thread.posts.get()
    actions.edit_post(post=post, editor=moderator, body="Cleaned up.")
    assert post.revisions.get().editor == moderator
    assert ModerationLogEntry.objects.get().action == "post.edit"


def test_authors_own_edit_is_not_logged(thread, user):
    """Editing one's own post is no moderation."""
    actions.edit_post(post=thread.posts.get(), editor=user, body="Typo fixed.")
    assert not ModerationLogEntry.objects.exists()


# The approval queue.


def test_first_posts_of_new_accounts_wait_and_count_nothing(
    settings, category, thread, moderator
):
    """A held reply gets a position but moves no counter until approved."""
    settings.APPROVAL_FIRST_POSTS = 1
    newcomer = UserFactory()
    before = counters(thread)

    post = reply(thread, newcomer, "Hello, first post")

    assert not post.is_approved
    assert counters(thread) == {**before, "last_position": 2}
    assert fresh(newcomer).post_count == 0

    actions.approve_post(post=post, actor=moderator)

    state = counters(thread)
    assert (state["thread_posts"], state["thread_last"]) == (2, post.pk)
    assert (state["category_posts"], state["category_last"]) == (2, post.pk)
    assert fresh(newcomer).post_count == 1
    # One approved post: the next one goes straight through.
    assert reply(fresh(thread), fresh(newcomer), "Second").is_approved


def test_held_thread_waits_with_its_opening_post(settings, category, moderator):
    """A new account's thread is not counted until its opener is approved."""
    settings.APPROVAL_FIRST_POSTS = 1
    thread = actions.create_thread(
        category=category, author=UserFactory(), title="Hello all", body="Hi"
    )
    category.refresh_from_db()
    assert not thread.is_approved
    assert (category.thread_count, category.post_count) == (0, 0)

    actions.approve_post(post=thread.posts.get(), actor=moderator)

    category.refresh_from_db()
    assert fresh(thread).is_approved
    assert (category.thread_count, category.post_count) == (1, 1)


def test_rejecting_a_held_opener_deletes_its_thread(settings, category, moderator):
    """The waiting thread goes with its opening post."""
    settings.APPROVAL_FIRST_POSTS = 1
    thread = actions.create_thread(
        category=category, author=UserFactory(), title="Buy now", body="Spam"
    )
    actions.reject_post(post=thread.posts.get(), actor=moderator, reason="Spam")
    assert not Thread.objects.filter(pk=thread.pk).exists()
    assert ModerationLogEntry.objects.get().action == "post.reject"


def test_link_heavy_posts_of_young_accounts_wait(settings, thread):
    """More links than allowed from an account younger than a day: held."""
    settings.APPROVAL_MAX_LINKS = 2
    young, old = UserFactory(), UserFactory()
    old.date_joined = timezone.now() - timedelta(days=2)
    links = "https://a.example https://b.example https://c.example"

    assert not reply(thread, young, links).is_approved
    assert reply(thread, young, "https://a.example only").is_approved
    assert reply(thread, old, links).is_approved


def test_moderators_are_never_held(settings, thread, moderator):
    """The queue is for members, not for the category's moderators."""
    settings.APPROVAL_FIRST_POSTS = 5
    assert reply(thread, moderator, "Moderator here").is_approved


def test_approval_is_off_by_default(thread):
    """With the default settings a new account posts straight away."""
    assert reply(thread, UserFactory(), "Hi there").is_approved


# Suspensions.


def test_suspended_member_cannot_post_and_is_told_why(thread, global_moderator):
    """The refusal names the reason and the end date."""
    member = UserFactory()
    until = timezone.now() + timedelta(days=3)
    actions.suspend_user(
        member=member, actor=global_moderator, until=until, reason="Flaming"
    )

    with pytest.raises(PermissionDenied, match="suspended until .*Flaming"):
        reply(thread, fresh(member), "Let me back in")
    assert thread.posts.count() == 1


def test_expired_suspension_lets_the_member_post(thread):
    """A suspension ends on its own at its end date."""
    member = UserFactory(
        suspended_at=timezone.now() - timedelta(days=2),
        suspended_until=timezone.now() - timedelta(seconds=1),
    )
    assert reply(thread, member, "I'm back").position == 2


def test_lifting_a_ban_restores_posting(thread, global_moderator):
    """After lifting, the member writes again."""
    member = UserFactory()
    actions.suspend_user(member=member, actor=global_moderator, until=None)
    assert fresh(member).is_banned
    actions.lift_suspension(member=member, actor=global_moderator)
    assert reply(thread, fresh(member), "Thanks").position == 2


def test_category_moderators_cannot_suspend(moderator):
    """A suspension is site-wide: global moderators and administrators only."""
    member = UserFactory()
    with pytest.raises(PermissionDenied):
        actions.suspend_user(member=member, actor=moderator, until=None)
    assert not fresh(member).is_suspended
    assert not ModerationLogEntry.objects.exists()


def test_nobody_suspends_an_administrator(global_moderator, staff):
    """Administrators are out of a moderator's reach."""
    with pytest.raises(PermissionDenied):
        actions.suspend_user(member=staff, actor=global_moderator, until=None)


def test_hide_all_posts_of_a_spammer(category, make_thread, global_moderator, user):
    """Every post of the spammer and the threads they started are hidden, and
    all counters follow; other members' posts in those threads stop counting."""
    spammer = UserFactory()
    legit = make_thread(posts=2, title="Legit")
    spam_thread = actions.create_thread(
        category=category, author=spammer, title="Cheap pills", body="Buy"
    )
    reply(spam_thread, user, "Reported")
    spam_reply = reply(legit, spammer, "Buy more")

    hidden = actions.hide_user_posts(member=spammer, actor=global_moderator)

    assert hidden == 2
    assert fresh(spam_thread).is_hidden
    assert fresh(spam_reply).is_hidden
    category.refresh_from_db()
    assert (category.thread_count, category.post_count) == (1, 2)
    assert category.last_post_id == legit.posts.get(position=2).pk
    assert fresh(legit).post_count == 2
    assert (fresh(spammer).post_count, fresh(user).post_count) == (0, 2)
    assert ModerationLogEntry.objects.get().action == "user.hide_posts"


# Reports.


def test_one_open_report_per_member_and_post(thread):
    """A second open report by the same member is refused."""
    post = thread.posts.get()
    reporter = UserFactory()
    actions.create_report(post=post, reporter=reporter, reason="spam")
    with pytest.raises(ValidationError):
        actions.create_report(post=post, reporter=reporter, reason="abuse")
    assert Report.objects.count() == 1


# The log: one entry per action, in the same transaction.


def _setup_walk(category, user, staff):
    """Threads, posts and members for every action."""
    thread = actions.create_thread(
        category=category, author=user, title="Walk", body="One"
    )
    for number in range(2, 5):
        reply(thread, user, f"Post {number}")
    other = actions.create_thread(
        category=category, author=user, title="Other", body="Other"
    )
    return thread, other


def _held_post(settings, thread):
    settings.APPROVAL_FIRST_POSTS = 1
    post = reply(thread, UserFactory(), "Waiting")
    settings.APPROVAL_FIRST_POSTS = 0
    return post


WALK = {
    "thread.pin": lambda c: actions.pin_thread(thread=c.thread, actor=c.actor),
    "thread.unpin": lambda c: actions.unpin_thread(thread=c.pinned, actor=c.actor),
    "thread.lock": lambda c: actions.lock_thread(thread=c.thread, actor=c.actor),
    "thread.unlock": lambda c: actions.unlock_thread(thread=c.locked, actor=c.actor),
    "thread.hide": lambda c: actions.hide_thread(thread=c.thread, actor=c.actor),
    "thread.unhide": lambda c: actions.unhide_thread(thread=c.hidden, actor=c.actor),
    "thread.rename": lambda c: actions.rename_thread(
        thread=c.thread, actor=c.actor, title="Renamed"
    ),
    "thread.move": lambda c: actions.move_thread(
        thread=c.thread, actor=c.actor, category=c.elsewhere
    ),
    "thread.merge": lambda c: actions.merge_thread(
        thread=c.other, into=c.thread, actor=c.actor
    ),
    "thread.split": lambda c: actions.split_thread(
        thread=c.thread,
        actor=c.actor,
        post_ids=[c.post.pk],
        title="Split",
        category=c.category,
    ),
    "post.hide": lambda c: actions.hide_post(post=c.post, actor=c.actor),
    "post.restore": lambda c: actions.restore_post(post=c.hidden_post, actor=c.actor),
    "post.delete": lambda c: actions.delete_post(post=c.post, actor=c.actor),
    "post.edit": lambda c: actions.edit_post(post=c.post, editor=c.actor, body="Ed"),
    "post.recommend": lambda c: actions.recommend_post(post=c.post, actor=c.actor),
    "post.unrecommend": lambda c: actions.unrecommend_post(
        post=c.recommended, actor=c.actor
    ),
    "post.approve": lambda c: actions.approve_post(post=c.held, actor=c.actor),
    "post.reject": lambda c: actions.reject_post(post=c.held, actor=c.actor),
    "report.resolve": lambda c: actions.resolve_report(report=c.report, actor=c.actor),
    "report.dismiss": lambda c: actions.dismiss_report(report=c.report, actor=c.actor),
    "user.suspend": lambda c: actions.suspend_user(
        member=c.member, actor=c.actor, until=timezone.now() + timedelta(days=1)
    ),
    "user.ban": lambda c: actions.suspend_user(
        member=c.member, actor=c.actor, until=None
    ),
    "user.unsuspend": lambda c: actions.lift_suspension(
        member=c.suspended, actor=c.actor
    ),
    "user.hide_posts": lambda c: actions.hide_user_posts(
        member=c.member, actor=c.actor
    ),
    # Through the registry: the action is accounts' (it writes accounts' fields).
    "user.clear_profile": lambda c: actions.TOOLS[
        ModerationLogEntry.Action.USER_CLEAR_PROFILE
    ](user=c.member, actor=c.actor, reason=""),
}


def test_the_walk_covers_every_logged_action():
    """Every action name the log page offers is walked below."""
    assert sorted(WALK) == sorted(ModerationLogEntry.Action.values)


class WalkContext:
    pass


@pytest.mark.parametrize("action", sorted(WALK))
def test_every_action_writes_exactly_one_log_entry(
    action, settings, category, user, staff
):
    """Each moderation action leaves one entry naming the actor and the action."""
    thread, other = _setup_walk(category, user, staff)
    c = WalkContext()
    c.actor, c.category, c.thread, c.other = staff, category, thread, other
    c.elsewhere = CategoryFactory()
    c.post = thread.posts.get(position=3)
    c.member = UserFactory()
    reply(thread, c.member, "Member post")
    c.held = _held_post(settings, thread)
    c.report = actions.create_report(post=c.post, reporter=c.member, reason="spam")
    setup = {
        "thread.unpin": ("pinned", lambda: actions.pin_thread),
        "thread.unlock": ("locked", lambda: actions.lock_thread),
        "thread.unhide": ("hidden", lambda: actions.hide_thread),
    }
    if action in setup:
        name, make = setup[action]
        setattr(c, name, make()(thread=other, actor=staff))
    if action == "post.restore":
        c.hidden_post = actions.hide_post(post=c.post, actor=staff)
    if action == "post.unrecommend":
        c.recommended = actions.recommend_post(post=c.post, actor=staff)
    if action == "user.unsuspend":
        c.suspended = actions.suspend_user(member=c.member, actor=staff, until=None)
    ModerationLogEntry.objects.all().delete()

    WALK[action](c)

    entry = ModerationLogEntry.objects.get()
    assert (entry.action, entry.actor) == (action, staff)
    assert entry.target_repr


def test_a_refused_action_writes_no_log_entry(thread, user):
    """A member without rights gets PermissionDenied and no entry is written."""
    with pytest.raises(PermissionDenied):
        actions.lock_thread(thread=thread, actor=user)
    assert not fresh(thread).is_locked
    assert not ModerationLogEntry.objects.exists()


# The registry of verbs (ModerationLogEntry.Action).


def test_every_verb_with_a_tool_has_its_action_with_the_one_signature():
    """The pages and the admin call a tool as action(<target>=, actor=, reason=)."""
    tools = [action for action in ModerationLogEntry.Action if action.verb is not None]
    assert set(actions.TOOLS) == set(tools)
    for action in tools:
        parameters = inspect.signature(actions.TOOLS[action]).parameters
        assert list(parameters) == [action.target, "actor", "reason"], action


def test_the_admin_offers_the_verbs_the_registry_marks_for_it():
    """The thread, post and member admins' actions come from the registry."""
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    offered = {
        name
        for model in (Thread, Post, get_user_model())
        for name in (
            getattr(a, "__name__", a) for a in admin.site._registry[model].actions
        )
    }
    for action in ModerationLogEntry.Action:
        if action.verb is not None and action.verb.admin:
            assert (
                f"thread_{action.operation}" in offered
                or f"{action.operation}_posts" in offered
                or f"user_{action.operation}" in offered
            ), action


# Only administrators act on moderators.


@pytest.mark.parametrize("kind", ["category", "global", "suspended category"])
def test_global_moderators_do_not_act_on_moderators(
    kind, category, moderator, global_moderator, staff
):
    """A global moderator may not suspend, ban, lift or hide all posts of
    another moderator, even a suspended one; an administrator may."""
    from tests.factories import GlobalModeratorFactory

    target = GlobalModeratorFactory() if kind == "global" else moderator
    if kind == "suspended category":
        actions.suspend_user(member=target, actor=staff, until=None)
        target = fresh(target)
    reason = "Only administrators act on moderators."
    assert permissions.why_not_act_on_member(global_moderator, target) == reason
    assert not permissions.can_suspend(global_moderator, target)
    calls = [
        lambda: actions.suspend_user(member=target, actor=global_moderator, until=None),
        lambda: actions.hide_user_posts(member=target, actor=global_moderator),
    ]
    if kind == "suspended category":
        calls.append(
            lambda: actions.lift_suspension(member=target, actor=global_moderator)
        )
    for call in calls:
        with pytest.raises(PermissionDenied, match=reason):
            call()
    assert permissions.can_act_on_member(staff, target)
    assert permissions.can_suspend(staff, target)


def test_global_moderators_still_act_on_members(global_moderator):
    """A plain member is theirs to suspend."""
    member = UserFactory()
    assert permissions.can_act_on_member(global_moderator, member)
    actions.hide_user_posts(member=member, actor=global_moderator)
