import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import actions
from forum.models import Category, Post, Thread
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

# Queries of a changelist page for a superuser, whatever the number of rows.
THREAD_CHANGELIST_QUERIES = 7
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
