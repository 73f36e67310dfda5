"""Moderation pages: the permission matrix by direct POST, bad input, hidden
content on the thread page, the queues and the log."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from forum import actions
from forum.models import Category, ModerationLogEntry, Post, Report, Thread
from tests.data import built_once, copy_of
from tests.factories import CategoryFactory, GlobalModeratorFactory, UserFactory

# Every test runs with the world built once (built_world).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("built_world")]

ROLES = [
    "guest",
    "user",
    "author",
    "suspended",
    "other_moderator",
    "category_moderator",
    "global_moderator",
    "administrator",
]
MODERATORS = {"category_moderator", "global_moderator", "administrator"}


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    """Built once for the module: every test here reads it (or rolls back)."""
    yield from built_once(django_db_blocker, build_world)


@pytest.fixture
def world(built_world, db):
    """The test's own copy of the world."""
    return copy_of(built_world)


def build_world():
    """A category with threads, posts in every state, and a person per role."""
    w = SimpleNamespace()
    w.category = CategoryFactory(name="Main")
    w.second = CategoryFactory(name="Second")
    w.third = CategoryFactory(name="Third")
    w.author = UserFactory(username="author")
    w.user = UserFactory(username="member")
    w.suspended = UserFactory(username="suspended")
    w.other_moderator = UserFactory(username="othermod")
    w.category_moderator = UserFactory(username="catmod")
    w.global_moderator = GlobalModeratorFactory(username="globalmod")
    w.administrator = UserFactory(username="admin", is_staff=True)
    w.category.moderators.add(w.category_moderator)
    w.second.moderators.add(w.category_moderator)
    w.third.moderators.add(w.other_moderator)
    w.spammer = UserFactory(username="spammer")

    w.thread = actions.create_thread(
        category=w.category, author=w.author, title="Main thread", body="One"
    )
    for number in range(2, 5):
        actions.create_reply(thread=w.thread, author=w.author, body=f"Post {number}")
    actions.create_reply(thread=w.thread, author=w.spammer, body="Buy pills")
    w.post = w.thread.posts.get(position=3)
    w.other = actions.create_thread(
        category=w.category, author=w.author, title="Other thread", body="Other"
    )
    w.hidden_thread = actions.create_thread(
        category=w.category, author=w.author, title="Hidden thread", body="Gone"
    )
    w.hidden_post = w.thread.posts.get(position=4)
    w.recommended = w.thread.posts.get(position=2)
    admin = w.administrator
    actions.hide_thread(thread=w.hidden_thread, actor=admin)
    actions.hide_post(post=w.hidden_post, actor=admin, reason="Rude")
    actions.recommend_post(post=w.recommended, actor=admin)
    with override_settings(APPROVAL_FIRST_POSTS=1):
        w.held = actions.create_reply(
            thread=w.thread, author=UserFactory(username="newcomer"), body="Waiting"
        )
    w.report = actions.create_report(post=w.post, reporter=w.user, reason="spam")
    w.banned = UserFactory(username="banned")
    actions.suspend_user(member=w.banned, actor=admin, until=None, reason="Spam")
    actions.suspend_user(
        member=w.suspended,
        actor=admin,
        until=timezone.now() + timedelta(days=7),
        reason="Cool off",
    )
    ModerationLogEntry.objects.all().delete()
    return w


def snapshot():
    """Everything a moderation POST could change."""
    return (
        list(
            Thread.objects.order_by("pk").values_list(
                "pk",
                "title",
                "category_id",
                "is_pinned",
                "is_locked",
                "is_hidden",
                "post_count",
            )
        ),
        list(
            Post.objects.order_by("pk").values_list(
                "pk", "thread_id", "position", "is_hidden", "is_recommended"
            )
        ),
        list(Category.objects.order_by("pk").values_list("pk", "post_count")),
        list(Report.objects.order_by("pk").values_list("pk", "status")),
        list(User.objects.order_by("pk").values_list("pk", "suspended_at")),
        ModerationLogEntry.objects.count(),
    )


def thread_url(name, thread, operation=None):
    kwargs = {"pk": thread.pk}
    if operation:
        kwargs["operation"] = operation
    return reverse(f"forum:{name}", kwargs=kwargs)


def post_url(post, operation):
    return reverse(
        "forum:post_moderate", kwargs={"pk": post.pk, "operation": operation}
    )


# name: (url, data, roles allowed, status for the other signed-in roles)
ENDPOINTS = {
    **{
        f"thread.{operation}": (
            lambda w, op=operation: thread_url("thread_moderate", w.thread, op),
            lambda w: {"reason": "Because"},
            MODERATORS,
            {},
        )
        for operation in ("pin", "lock", "hide")
    },
    "thread.unpin": (
        lambda w: thread_url("thread_moderate", w.pinned, "unpin"),
        lambda w: {},
        MODERATORS,
        {},
    ),
    "thread.unlock": (
        lambda w: thread_url("thread_moderate", w.locked, "unlock"),
        lambda w: {},
        MODERATORS,
        {},
    ),
    "thread.unhide": (
        lambda w: thread_url("thread_moderate", w.hidden_thread, "unhide"),
        lambda w: {},
        MODERATORS,
        # The hidden thread does not exist for them.
        {role: 404 for role in ROLES},
    ),
    "thread.rename": (
        lambda w: thread_url("thread_rename", w.thread),
        lambda w: {"title": "A better title"},
        MODERATORS,
        {},
    ),
    "thread.move": (
        lambda w: thread_url("thread_move", w.thread),
        lambda w: {"category": w.second.pk},
        MODERATORS,
        {},
    ),
    "thread.merge": (
        lambda w: thread_url("thread_merge", w.other),
        lambda w: {"into": str(w.thread.pk)},
        MODERATORS,
        {},
    ),
    "thread.split": (
        lambda w: thread_url("thread_split", w.thread),
        lambda w: {
            "posts": [w.post.pk],
            "title": "Split off",
            "category": w.category.pk,
        },
        MODERATORS,
        {},
    ),
    "post.hide": (
        lambda w: post_url(w.post, "hide"),
        lambda w: {"reason": "Spam"},
        MODERATORS,
        {},
    ),
    "post.restore": (
        lambda w: post_url(w.hidden_post, "restore"),
        lambda w: {},
        MODERATORS,
        # Only its author (and moderators) see a hidden post.
        {role: 404 for role in ROLES if role != "author"},
    ),
    "post.recommend": (
        lambda w: post_url(w.post, "recommend"),
        lambda w: {},
        MODERATORS,
        {},
    ),
    "post.unrecommend": (
        lambda w: post_url(w.recommended, "unrecommend"),
        lambda w: {},
        MODERATORS,
        {},
    ),
    "post.delete": (
        lambda w: post_url(w.post, "delete"),
        lambda w: {},
        {"administrator"},
        {},
    ),
    "post.approve": (
        lambda w: post_url(w.held, "approve"),
        lambda w: {},
        MODERATORS,
        {role: 404 for role in ROLES},
    ),
    "post.reject": (
        lambda w: post_url(w.held, "reject"),
        lambda w: {},
        MODERATORS,
        {role: 404 for role in ROLES},
    ),
    "report.resolve": (
        lambda w: reverse("forum:report_close", args=[w.report.pk, "resolve"]),
        lambda w: {"note": "Hidden"},
        MODERATORS,
        {role: 404 for role in ROLES},
    ),
    "report.dismiss": (
        lambda w: reverse("forum:report_close", args=[w.report.pk, "dismiss"]),
        lambda w: {"note": "Fine"},
        MODERATORS,
        {role: 404 for role in ROLES},
    ),
    "user.suspend": (
        lambda w: reverse("forum:user_suspend", args=[w.spammer.pk]),
        lambda w: {
            "kind": "suspend",
            "until": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "reason": "Spam",
        },
        {"global_moderator", "administrator"},
        {},
    ),
    "user.ban": (
        lambda w: reverse("forum:user_suspend", args=[w.spammer.pk]),
        lambda w: {"kind": "ban", "reason": "Spam"},
        {"global_moderator", "administrator"},
        {},
    ),
    "user.unsuspend": (
        lambda w: reverse("forum:user_unsuspend", args=[w.banned.pk]),
        lambda w: {},
        {"global_moderator", "administrator"},
        {},
    ),
    "user.hide_posts": (
        lambda w: reverse("forum:user_hide_posts", args=[w.spammer.pk]),
        lambda w: {},
        {"global_moderator", "administrator"},
        {},
    ),
    "user.clear_profile": (
        lambda w: reverse("forum:user_clear_profile", args=[w.spammer.pk]),
        lambda w: {"reason": "Spam profile"},
        {"global_moderator", "administrator"},
        {},
    ),
}


def prepare(w, name):
    """Extra state some endpoints need (a pinned or a locked thread)."""
    if name == "thread.unpin":
        w.pinned = actions.pin_thread(thread=w.other, actor=w.administrator)
    if name == "thread.unlock":
        w.locked = actions.lock_thread(thread=w.other, actor=w.administrator)
    ModerationLogEntry.objects.all().delete()


def test_the_matrix_covers_every_logged_action():
    """Every action of the log has its row in the permission matrix, except
    "post.edit" (the edit page, tested in test_posting and below)."""
    assert set(ENDPOINTS) | {"post.edit"} == set(ModerationLogEntry.Action.values)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_permission_matrix(client, world, name, role):
    """Each role gets the same answer by direct POST as the pages suggest:
    guests are sent to sign in, the refused get 403 (or 404 for what they
    cannot see) with nothing written, the allowed one log entry and a redirect."""
    url, data, allowed, refused = ENDPOINTS[name]
    prepare(world, name)
    if role != "guest":
        client.force_login(getattr(world, role))
    before = snapshot()

    response = client.post(url(world), data(world))

    if role == "guest":
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
        assert snapshot() == before
    elif role in allowed:
        assert response.status_code == 302, response.content.decode()[:2000]
        entry = ModerationLogEntry.objects.get()
        assert (entry.action, entry.actor) == (name, getattr(world, role))
    else:
        assert response.status_code == refused.get(role, 403)
        assert snapshot() == before


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_every_moderation_page_asks_for_confirmation_first(client, world, name):
    """A GET shows the form (with CSRF) and changes nothing."""
    url, _, _, _ = ENDPOINTS[name]
    prepare(world, name)
    client.force_login(world.administrator)
    before = snapshot()

    response = client.get(url(world))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'method="post"' in html
    assert "csrfmiddlewaretoken" in html
    assert snapshot() == before


def test_moderation_posts_need_the_csrf_token(world):
    """Without the token, a moderator's POST is refused."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.administrator)
    before = snapshot()
    response = client.post(thread_url("thread_moderate", world.thread, "lock"))
    assert response.status_code == 403
    assert snapshot() == before


def test_reading_the_queues_needs_a_moderator(client, world):
    """Guests sign in, members get 403, moderators read."""
    urls = [
        reverse("forum:report_queue"),
        reverse("forum:approval_queue"),
        reverse("forum:moderation_log"),
    ]
    assert all(client.get(url).status_code == 302 for url in urls)
    client.force_login(world.user)
    assert [client.get(url).status_code for url in urls] == [403, 403, 403]
    client.force_login(world.category_moderator)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]


# Bad input.


@pytest.mark.parametrize(
    ("url", "data", "error"),
    [
        (
            lambda w: thread_url("thread_move", w.thread),
            lambda w: {"category": 999999},
            "Select a valid choice",
        ),
        (
            lambda w: thread_url("thread_move", w.thread),
            lambda w: {"category": w.third.pk},
            "Select a valid choice",
        ),
        (
            lambda w: thread_url("thread_merge", w.thread),
            lambda w: {"into": str(w.thread.pk)},
            "cannot be merged into itself",
        ),
        (
            lambda w: thread_url("thread_merge", w.thread),
            lambda w: {"into": "999999"},
            "no such thread",
        ),
        (
            lambda w: thread_url("thread_merge", w.thread),
            lambda w: {"into": "not a thread"},
            "Give a thread number",
        ),
        (
            lambda w: thread_url("thread_split", w.thread),
            lambda w: {"title": "Split", "category": w.category.pk},
            "Choose at least one post",
        ),
        (
            lambda w: thread_url("thread_split", w.thread),
            lambda w: {
                "posts": [w.thread.posts.get(position=1).pk],
                "title": "Split",
                "category": w.category.pk,
            },
            "Select a valid choice",
        ),
        (
            lambda w: thread_url("thread_rename", w.thread),
            lambda w: {"title": "x"},
            "at least 3 characters",
        ),
        (
            lambda w: reverse("forum:user_suspend", args=[w.spammer.pk]),
            lambda w: {"kind": "suspend", "until": "2001-01-01"},
            "must be in the future",
        ),
        (
            lambda w: reverse("forum:user_suspend", args=[w.spammer.pk]),
            lambda w: {"kind": "suspend"},
            "Give the date",
        ),
    ],
)
def test_bad_input_gets_a_clear_form_error(client, world, url, data, error):
    """The form comes back with the error; nothing is written."""
    client.force_login(world.category_moderator)
    if "user_suspend" in url(world) or "suspend" in url(world):
        client.force_login(world.global_moderator)
    before = snapshot()

    response = client.post(url(world), data(world))

    assert response.status_code == 200
    assert error.lower() in response.content.decode().lower()
    assert snapshot() == before


def test_merging_into_a_thread_out_of_scope_is_refused(client, world):
    """A category moderator cannot pull a thread into a category they do not
    moderate: the form says there is no such thread."""
    outside = actions.create_thread(
        category=world.third, author=world.author, title="Elsewhere", body="x"
    )
    client.force_login(world.category_moderator)
    before = snapshot()
    response = client.post(
        thread_url("thread_merge", world.thread), {"into": outside.get_absolute_url()}
    )
    assert response.status_code == 200
    assert "no such thread" in response.content.decode().lower()
    assert snapshot() == before


def test_merge_accepts_a_thread_address(client, world):
    """The other thread may be named by its address."""
    client.force_login(world.category_moderator)
    response = client.post(
        thread_url("thread_merge", world.other),
        {"into": f"https://forum.example{world.thread.get_absolute_url()}"},
    )
    assert response.status_code == 302
    assert not Thread.objects.filter(pk=world.other.pk).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/mod/t/999999/lock/",
        "/mod/t/999999/rename/",
        "/mod/t/999999/move/",
        "/mod/t/999999/merge/",
        "/mod/t/999999/split/",
        "/mod/p/999999/hide/",
        "/mod/reports/999999/resolve/",
        "/mod/u/999999/suspend/",
        "/p/999999/report/",
        "/mod/t/{thread}/explode/",
        "/mod/p/{post}/explode/",
        "/mod/reports/{report}/ignore/",
        "/mod/t/{thread}/split/?page=99",
    ],
)
def test_unknown_ids_and_operations_are_not_found(client, world, url):
    """Ids that do not exist and operations that do not exist: 404."""
    client.force_login(world.administrator)
    url = url.format(thread=world.thread.pk, post=world.post.pk, report=world.report.pk)
    before = snapshot()
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert snapshot() == before


def test_closed_reports_are_not_found(client, world):
    """A report closed already cannot be closed again."""
    actions.resolve_report(report=world.report, actor=world.administrator)
    client.force_login(world.administrator)
    url = reverse("forum:report_close", args=[world.report.pk, "dismiss"])
    assert client.post(url).status_code == 404


def test_deleting_the_opening_post_is_a_form_error(client, world):
    """An administrator gets the reason instead of a 500."""
    client.force_login(world.administrator)
    before = snapshot()
    response = client.post(post_url(world.thread.posts.get(position=1), "delete"))
    assert response.status_code == 200
    assert "opening post cannot be deleted" in response.content.decode()
    assert snapshot() == before


# The thread page.


def test_thread_page_shows_the_tools_to_its_moderators_only(client, world):
    """Members and other categories' moderators see no moderation menu."""
    url = world.thread.get_absolute_url()
    for role, shown in [
        ("user", False),
        ("other_moderator", False),
        ("category_moderator", True),
        ("administrator", True),
    ]:
        client.force_login(getattr(world, role))
        html = client.get(url).content.decode()
        assert ("<summary>Moderation</summary>" in html) is shown, role
        assert (thread_url("thread_moderate", world.thread, "lock") in html) is shown


def test_moderators_see_the_posters_ip_address(client, world):
    """The address the post came from is in the post's moderation menu."""
    client.force_login(world.author)
    client.post(
        reverse("forum:thread_reply", args=[world.thread.pk]),
        {"body": "From my address"},
        REMOTE_ADDR="203.0.113.7",
    )
    post = Post.objects.get(body_source="From my address")
    assert post.ip_address == "203.0.113.7"
    assert (
        "203.0.113.7"
        not in client.get(post.get_absolute_url(), follow=True).content.decode()
    )
    client.force_login(world.category_moderator)
    page = client.get(post.get_absolute_url(), follow=True).content.decode()
    assert "IP address: 203.0.113.7" in page


def test_hidden_post_is_shown_to_its_author_and_moderators_only(client, world):
    """Others see nothing (not even a placeholder); the author sees the post
    with the reason; moderators see it marked."""
    url = world.thread.get_absolute_url()
    marker = f'id="post-{world.hidden_post.pk}"'

    assert marker not in client.get(url).content.decode()
    client.force_login(world.user)
    assert marker not in client.get(url).content.decode()
    client.force_login(world.author)
    html = client.get(url).content.decode()
    assert marker in html
    assert "Hidden by a moderator: Rude" in html
    client.force_login(world.category_moderator)
    assert marker in client.get(url).content.decode()
    assert client.get(world.hidden_post.get_absolute_url()).status_code == 302
    client.force_login(world.user)
    assert client.get(world.hidden_post.get_absolute_url()).status_code == 404


def test_waiting_post_is_marked_for_its_author_and_absent_for_others(
    client, world, settings
):
    """The author is told "awaiting approval"; others do not see the post."""
    settings.APPROVAL_FIRST_POSTS = 1
    newcomer = UserFactory()
    client.force_login(newcomer)
    response = client.post(
        reverse("forum:thread_reply", args=[world.thread.pk]),
        {"body": "My first words"},
        follow=True,
    )
    html = response.content.decode()
    assert "awaiting approval" in html
    assert "My first words" in html
    client.force_login(world.user)
    assert (
        "My first words"
        not in client.get(response.request["PATH_INFO"]).content.decode()
    )


def test_waiting_thread_is_not_found_for_others(client, world, settings):
    """A new account's thread is seen by its author only until approved."""
    settings.APPROVAL_FIRST_POSTS = 1
    newcomer = UserFactory()
    client.force_login(newcomer)
    response = client.post(
        reverse("forum:thread_create"),
        {"category": world.category.pk, "title": "Newcomer here", "body": "Hello"},
        follow=True,
    )
    assert "awaiting approval" in response.content.decode()
    thread = Thread.objects.get(title="Newcomer here")
    client.force_login(world.user)
    assert client.get(thread.get_absolute_url()).status_code == 404
    client.force_login(world.category_moderator)
    assert client.get(thread.get_absolute_url()).status_code == 200


def test_locked_thread_takes_replies_from_its_moderators(client, world):
    """Moderators in scope still reply to a locked thread; members do not."""
    actions.lock_thread(thread=world.thread, actor=world.administrator)
    url = reverse("forum:thread_reply", args=[world.thread.pk])
    client.force_login(world.user)
    assert client.post(url, {"body": "Me too"}).status_code == 403
    client.force_login(world.category_moderator)
    assert client.post(url, {"body": "Closing note"}).status_code == 302


def test_moderator_edits_any_post_in_scope_and_is_logged(client, world):
    """The edit page works for a category moderator; the revision names them."""
    url = reverse("forum:post_edit", args=[world.post.pk])
    client.force_login(world.other_moderator)
    assert client.post(url, {"body": "Nope"}).status_code == 403
    client.force_login(world.category_moderator)
    assert client.post(url, {"body": "Tidied"}).status_code == 302
    assert world.post.revisions.get().editor == world.category_moderator
    assert ModerationLogEntry.objects.get().action == "post.edit"


def test_recommended_posts_fill_the_section(client, world):
    """A recommendation from the page shows under "Recommended Posts"."""
    client.force_login(world.category_moderator)
    client.post(post_url(world.post, "recommend"))
    client.logout()
    html = client.get(world.thread.get_absolute_url()).content.decode()
    assert "Recommended Posts" in html
    assert world.post.get_absolute_url() in html


def test_split_page_lists_one_page_of_posts_to_choose(client, world):
    """The split form offers this page's posts, without the opening post."""
    client.force_login(world.category_moderator)
    html = client.get(thread_url("thread_split", world.thread)).content.decode()
    assert f'name="posts" value="{world.post.pk}"' in html
    opener = world.thread.posts.get(position=1)
    assert f'name="posts" value="{opener.pk}"' not in html


# The queues and the log.


def make_reports(world, total):
    reporters = [UserFactory() for _ in range(3)]
    for number in range(total):
        post = actions.create_reply(
            thread=world.thread, author=world.author, body=f"Reported {number}"
        )
        actions.create_report(
            post=post, reporter=reporters[number % 3], reason="spam", text="Look"
        )


# Session, user, moderator scope, page count, rows, header count.
REPORT_QUEUE_QUERIES = 6
APPROVAL_QUEUE_QUERIES = 6
LOG_QUERIES = 6


@pytest.mark.parametrize("total", [3, 30])
def test_report_queue_query_count_is_constant(
    client, world, total, django_assert_num_queries
):
    """The report queue costs the same for 3 reports as for 30."""
    make_reports(world, total)
    client.force_login(world.category_moderator)
    client.get(reverse("forum:report_queue"))
    with django_assert_num_queries(REPORT_QUEUE_QUERIES):
        response = client.get(reverse("forum:report_queue"))
    assert response.content.decode().count('class="queue-row"') == min(total + 1, 25)


@pytest.mark.parametrize("total", [3, 30])
def test_approval_queue_query_count_is_constant(
    client, world, total, settings, django_assert_num_queries
):
    """The approval queue costs the same for 3 waiting posts as for 30."""
    settings.APPROVAL_FIRST_POSTS = 1
    for number in range(total - 1):
        actions.create_reply(
            thread=world.thread, author=UserFactory(), body=f"W{number}"
        )
    client.force_login(world.category_moderator)
    client.get(reverse("forum:approval_queue"))
    with django_assert_num_queries(APPROVAL_QUEUE_QUERIES):
        response = client.get(reverse("forum:approval_queue"))
    assert response.content.decode().count('class="queue-row"') == min(total, 25)


@pytest.mark.parametrize("total", [3, 30])
def test_log_query_count_is_constant(client, world, total, django_assert_num_queries):
    """The log costs the same for 3 entries as for 30."""
    for number in range(total):
        actions.rename_thread(
            thread=world.thread, actor=world.administrator, title=f"Title {number}"
        )
    client.force_login(world.category_moderator)
    client.get(reverse("forum:moderation_log"))
    with django_assert_num_queries(LOG_QUERIES):
        response = client.get(reverse("forum:moderation_log"))
    assert response.content.decode().count("<code>thread.rename</code>") == total


def test_queues_show_only_the_moderators_categories(client, world):
    """A moderator of another category sees none of these reports."""
    client.force_login(world.other_moderator)
    assert (
        'class="queue-row"'
        not in client.get(reverse("forum:report_queue")).content.decode()
    )
    client.force_login(world.category_moderator)
    assert (
        'class="queue-row"'
        in client.get(reverse("forum:report_queue")).content.decode()
    )
    approval = client.get(reverse("forum:approval_queue")).content.decode()
    assert "Waiting" in approval


def test_log_filters_by_action_moderator_and_member(client, world):
    """Filters narrow the log; an unknown action is a form error, not a 500."""
    actions.lock_thread(thread=world.thread, actor=world.category_moderator)
    actions.hide_post(post=world.post, actor=world.administrator)
    actions.suspend_user(member=world.spammer, actor=world.global_moderator, until=None)
    client.force_login(world.global_moderator)
    url = reverse("forum:moderation_log")

    def shown(**query):
        html = client.get(url, query).content.decode()
        return sorted(
            action
            for action in ModerationLogEntry.Action.values
            if f"<code>{action}</code>" in html
        )

    assert shown() == ["post.hide", "thread.lock", "user.ban"]
    assert shown(action="post.hide") == ["post.hide"]
    assert shown(moderator="catmod") == ["thread.lock"]
    assert shown(member="spammer") == ["user.ban"]
    assert shown(action="nonsense") == []


def test_category_moderators_see_their_categories_log_only(client, world):
    """Member suspensions and other categories stay with global moderators."""
    actions.suspend_user(member=world.spammer, actor=world.global_moderator, until=None)
    actions.lock_thread(thread=world.thread, actor=world.category_moderator)
    client.force_login(world.category_moderator)
    html = client.get(reverse("forum:moderation_log")).content.decode()
    assert "<code>thread.lock</code>" in html
    assert "<code>user.ban</code>" not in html


def test_header_shows_the_open_report_count_to_moderators(client, world):
    """Moderators see the number of open reports; members do not."""
    client.force_login(world.category_moderator)
    html = client.get("/").content.decode()
    assert 'Reports <span class="badge badge-warning">1</span>' in html
    client.force_login(world.user)
    assert "Reports <span" not in client.get("/").content.decode()


def test_a_spam_run_is_cleaned_up_from_the_pages(client, world):
    """Ban the spammer, hide all their posts, resolve the report: all by POSTs."""
    spam = actions.create_thread(
        category=world.category, author=world.spammer, title="Cheap pills", body="Buy"
    )
    report = actions.create_report(
        post=spam.posts.get(), reporter=world.user, reason="spam"
    )
    client.force_login(world.global_moderator)

    client.post(
        reverse("forum:user_suspend", args=[world.spammer.pk]),
        {"kind": "ban", "reason": "Spam run"},
    )
    client.post(reverse("forum:user_hide_posts", args=[world.spammer.pk]))
    client.post(
        reverse("forum:report_close", args=[report.pk, "resolve"]), {"note": "Banned"}
    )

    world.spammer.refresh_from_db()
    assert world.spammer.is_banned
    assert not Post.objects.filter(author=world.spammer, is_hidden=False).exists()
    assert Thread.objects.get(pk=spam.pk).is_hidden
    assert Report.objects.get(pk=report.pk).status == "resolved"
    assert list(
        ModerationLogEntry.objects.order_by("pk").values_list("action", flat=True)
    ) == ["user.ban", "user.hide_posts", "report.resolve"]
    client.logout()
    assert client.get(spam.get_absolute_url()).status_code == 404
