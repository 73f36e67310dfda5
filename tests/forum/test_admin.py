import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import actions
from forum.models import Category, ModerationLogEntry, Post, Thread
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

# Queries of a changelist page for a superuser, whatever the number of rows.
# The thread list also loads the categories of its "move to" action field.
THREAD_CHANGELIST_QUERIES = 8
POST_CHANGELIST_QUERIES = 4


def fill(thread_total):
    """`thread_total` threads of two posts, by varied authors, in varied categories."""
    categories = [CategoryFactory(), CategoryFactory(parent=CategoryFactory())]
    authors = itertools.cycle([UserFactory() for _ in range(3)])
    for number in range(thread_total):
        thread = actions.create_thread(
            category=categories[number % 2],
            author=next(authors),
            title=f"Topic {number}",
            body="Opening.",
        )
        actions.create_reply(thread=thread, author=next(authors), body="Reply.")


@pytest.mark.parametrize(
    "model",
    ["forum.category", "forum.thread", "forum.post", "accounts.user"],
)
def test_superuser_opens_changelist_and_change_page(admin_client, model):
    """Every model has a working changelist and change form in the admin."""
    fill(2)
    app_label, model_name = model.split(".")
    instance = {
        "forum.category": Category.objects.filter(parent__isnull=False).first,
        "forum.thread": Thread.objects.first,
        "forum.post": Post.objects.first,
        "accounts.user": UserFactory,
    }[model]()

    changelist = admin_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    change = admin_client.get(
        reverse(f"admin:{app_label}_{model_name}_change", args=[instance.pk])
    )

    assert changelist.status_code == 200
    assert change.status_code == 200
    assert str(instance) in changelist.content.decode()


@pytest.mark.parametrize(
    ("url", "query", "found"),
    [
        ("admin:forum_thread_changelist", {"q": "Topic 1"}, "Topic 1"),
        ("admin:forum_thread_changelist", {"is_pinned__exact": "0"}, "Topic 0"),
        ("admin:forum_post_changelist", {"is_hidden__exact": "0"}, "#2 in"),
        ("admin:forum_category_changelist", {"q": "Category"}, "Category"),
        ("admin:accounts_user_changelist", {"q": "member"}, "member"),
    ],
)
def test_admin_search_and_filters_work(admin_client, url, query, found):
    """Search boxes and list filters answer without error."""
    fill(2)

    response = admin_client.get(reverse(url), query)

    assert response.status_code == 200
    assert found in response.content.decode()


def test_post_admin_finds_a_post_by_id_and_author(admin_client):
    """Posts are searched by exact id or by author username."""
    fill(2)
    post = Post.objects.get(thread__title="Topic 1", position=2)
    url = reverse("admin:forum_post_changelist")

    by_id = admin_client.get(url, {"q": str(post.pk)})
    by_author = admin_client.get(url, {"q": post.author.username})

    change_url = reverse("admin:forum_post_change", args=[post.pk])
    assert change_url in by_id.content.decode()
    assert by_id.content.decode().count("/admin/forum/post/") >= 1
    assert change_url in by_author.content.decode()


def test_threads_and_posts_cannot_be_added_in_the_admin(admin_client):
    """Threads and posts are written on the site, where the counters move."""
    assert admin_client.get(reverse("admin:forum_thread_add")).status_code == 403
    assert admin_client.get(reverse("admin:forum_post_add")).status_code == 403


def test_editing_a_post_body_in_the_admin_renders_it_again(admin_client):
    """A post corrected in the admin gets fresh, clean HTML."""
    fill(1)
    post = Post.objects.get(position=2)
    url = reverse("admin:forum_post_change", args=[post.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data.update(body_source="Now **bold** <script>x</script>", hidden_reason="")

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    post.refresh_from_db()
    assert post.body_source == "Now **bold** <script>x</script>"
    assert "<strong>bold</strong>" in post.body_html
    assert "<script>" not in post.body_html


@pytest.mark.parametrize("thread_total", [3, 30])
def test_thread_changelist_query_count_is_constant(
    admin_client, django_assert_num_queries, thread_total
):
    """The thread changelist runs the same queries for 3 threads as for 30."""
    fill(thread_total)
    url = reverse("admin:forum_thread_changelist")

    with django_assert_num_queries(THREAD_CHANGELIST_QUERIES):
        response = admin_client.get(url)

    assert response.content.decode().count('class="field-title') == thread_total


@pytest.mark.parametrize("thread_total", [2, 15])
def test_post_changelist_query_count_is_constant(
    admin_client, django_assert_num_queries, thread_total
):
    """The post changelist runs the same queries for 4 posts as for 30."""
    fill(thread_total)
    url = reverse("admin:forum_post_changelist")

    with django_assert_num_queries(POST_CHANGELIST_QUERIES):
        response = admin_client.get(url)

    assert response.content.decode().count('class="field-thread') == 2 * thread_total


def test_admin_changelists_do_not_count_every_row(admin_client):
    """Thread and post lists skip the full COUNT(*) that 100,000 rows would cost."""
    fill(3)

    for url in ("admin:forum_thread_changelist", "admin:forum_post_changelist"):
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(reverse(url), {"is_hidden__exact": "0"})
        counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
        assert len(counts) == 1, counts


# Moderation through the admin: the same actions, so the same log and counters.


def admin_action(admin_client, model, action, objects, **extra):
    return admin_client.post(
        reverse(f"admin:{model}_changelist"),
        {
            "action": action,
            "_selected_action": [obj.pk for obj in objects],
            "index": 0,
            **extra,
        },
    )


@pytest.mark.parametrize(
    ("action", "field", "logged"),
    [
        ("thread_lock", "is_locked", "thread.lock"),
        ("thread_pin", "is_pinned", "thread.pin"),
        ("thread_hide", "is_hidden", "thread.hide"),
    ],
)
def test_admin_thread_actions_write_the_log(admin_client, action, field, logged):
    """Each selected thread changes through the action, with one entry each."""
    fill(2)
    threads = list(Thread.objects.all())

    response = admin_action(
        admin_client, "forum_thread", action, threads, reason="Admin"
    )

    assert response.status_code == 302
    assert all(getattr(t, field) for t in Thread.objects.all())
    entries = ModerationLogEntry.objects.filter(action=logged, reason="Admin")
    assert entries.count() == 2


def test_admin_hiding_threads_recounts_their_categories(admin_client):
    """The category counters leave the hidden threads out."""
    fill(2)
    admin_action(admin_client, "forum_thread", "thread_hide", Thread.objects.all())
    assert (
        list(Category.objects.values_list("thread_count", "post_count"))
        == [(0, 0)] * Category.objects.count()
    )


def test_admin_moves_threads_to_the_chosen_category(admin_client):
    """The move action takes its category from the action bar."""
    fill(1)
    target = CategoryFactory()
    thread = Thread.objects.get()

    admin_action(
        admin_client, "forum_thread", "move_threads", [thread], category=target.pk
    )

    assert Thread.objects.get().category == target
    target.refresh_from_db()
    assert (target.thread_count, target.post_count) == (1, 2)
    assert ModerationLogEntry.objects.get().action == "thread.move"


def test_admin_move_without_a_category_changes_nothing(admin_client):
    """No category chosen: a message, nothing moved or logged."""
    fill(1)
    admin_action(admin_client, "forum_thread", "move_threads", Thread.objects.all())
    assert not ModerationLogEntry.objects.exists()


def test_admin_hides_and_restores_posts(admin_client):
    """Hide and restore from the post list move the thread's counters."""
    fill(1)
    post = Post.objects.get(position=2)
    admin_action(admin_client, "forum_post", "hide_posts", [post])
    assert Thread.objects.get().post_count == 1
    admin_action(admin_client, "forum_post", "restore_posts", [post])
    assert Thread.objects.get().post_count == 2
    assert list(
        ModerationLogEntry.objects.order_by("pk").values_list("action", flat=True)
    ) == ["post.hide", "post.restore"]


def test_admin_resolves_reports(admin_client):
    """Resolving from the report list closes them and writes the log."""
    fill(1)
    report = actions.create_report(
        post=Post.objects.get(position=2), reporter=UserFactory(), reason="spam"
    )
    admin_action(
        admin_client, "forum_report", "resolve_reports", [report], reason="Done"
    )
    report.refresh_from_db()
    assert (report.status, report.note) == ("resolved", "Done")
    assert ModerationLogEntry.objects.get().action == "report.resolve"


def test_moderation_flags_are_read_only_in_the_change_form(admin_client):
    """Saving a thread cannot flip is_hidden behind the counters' back."""
    fill(1)
    thread = Thread.objects.get()
    url = reverse("admin:forum_thread_change", args=[thread.pk])
    form = admin_client.get(url).context["adminform"].form
    assert "is_hidden" not in form.fields
    assert "is_locked" not in form.fields


@pytest.mark.parametrize("model", ["forum.report", "forum.moderationlogentry"])
def test_report_and_log_changelists_work(admin_client, model):
    """The new lists open."""
    fill(1)
    post = Post.objects.get(position=2)
    actions.create_report(post=post, reporter=UserFactory(), reason="spam")
    actions.hide_post(post=post, actor=UserFactory(is_staff=True))
    response = admin_client.get(reverse(f"admin:{model.replace('.', '_')}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("total", [2, 15])
def test_report_changelist_query_count_is_constant(
    admin_client, django_assert_num_queries, total
):
    """The report list runs the same queries whatever its length."""
    fill(total)
    reporter = UserFactory()
    for post in Post.objects.filter(position=2):
        actions.create_report(post=post, reporter=reporter, reason="spam")
    with django_assert_num_queries(REPORT_CHANGELIST_QUERIES):
        admin_client.get(reverse("admin:forum_report_changelist"))


REPORT_CHANGELIST_QUERIES = 4


def test_renaming_in_the_change_form_goes_through_the_action(admin_client):
    """A new title in the admin gets its slug and a log entry."""
    fill(1)
    thread = Thread.objects.get()
    url = reverse("admin:forum_thread_change", args=[thread.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data.update(title="Renamed in the admin")

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    thread.refresh_from_db()
    assert (thread.title, thread.slug) == (
        "Renamed in the admin",
        "renamed-in-the-admin",
    )
    assert ModerationLogEntry.objects.get().action == "thread.rename"


def test_an_admin_edit_goes_through_the_edit_action(admin_client):
    """Like an edit on the site: the earlier text kept as a revision, the edit
    time shown, a log entry, and search finds the new text."""
    from django.contrib.auth.models import AnonymousUser

    from forum.models import PostRevision
    from forum.search import search_posts

    fill(1)
    post = Post.objects.get(position=2)
    before = post.body_source
    url = reverse("admin:forum_post_change", args=[post.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data.update(body_source="Corrected zebrafinch text", hidden_reason="")

    assert admin_client.post(url, data).status_code == 302

    post.refresh_from_db()
    assert post.edited_at is not None
    assert PostRevision.objects.get(post=post).body_source == before
    entry = ModerationLogEntry.objects.get()
    assert (entry.action, entry.post) == ("post.edit", post)
    found = search_posts(query="zebrafinch", user=AnonymousUser()).results
    assert [result.post.pk for result in found] == [post.pk]
