"""Markup refusals reach the member as form errors on the real pages (never a
500), titles lose their bidirectional controls, and revisions keep sources."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from forum.models import Post, PostRevision, Thread

AMPLIFIED = f"[a]: https://example.com/{'a' * 900}\n\n" + "[a] " * 5000
TOO_MUCH = "- a\n" * 5000
OVERRIDE = "\u202e"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


@pytest.fixture
def member_client(client, user):
    client.force_login(user)
    return client


def body_errors(response):
    return response.context["form"].errors.get("body", [])


@pytest.mark.parametrize("body", [AMPLIFIED, TOO_MUCH])
@pytest.mark.parametrize("preview", [False, True])
def test_new_thread_refuses_with_a_form_error(member_client, category, body, preview):
    data = {"category": category.pk, "title": "Big one", "body": body}
    if preview:
        data["preview"] = "1"

    response = member_client.post(reverse("forum:thread_create"), data)

    assert response.status_code == 200
    assert body_errors(response)
    assert "Please shorten it" in response.content.decode()
    assert not Thread.objects.filter(title="Big one").exists()


@pytest.mark.parametrize("preview", [False, True])
def test_reply_refuses_with_a_form_error(member_client, thread, preview):
    data = {"body": AMPLIFIED, **({"preview": "1"} if preview else {})}

    response = member_client.post(
        reverse("forum:thread_reply", kwargs={"pk": thread.pk}), data
    )

    assert response.status_code == 200
    assert body_errors(response)
    assert "Please shorten it" in response.content.decode()
    assert thread.posts.count() == 1


@pytest.mark.parametrize("preview", [False, True])
def test_edit_refuses_with_a_form_error(member_client, thread, preview):
    post = thread.posts.get()
    data = {"title": "A thread", "body": TOO_MUCH}
    if preview:
        data["preview"] = "1"

    response = member_client.post(
        reverse("forum:post_edit", kwargs={"pk": post.pk}), data
    )

    assert response.status_code == 200
    assert "too much formatting" in body_errors(response)[0]
    post.refresh_from_db()
    assert post.body_source == "Opening post."
    assert not PostRevision.objects.exists()


def test_a_bio_too_large_is_a_form_error(member_client, user):
    bio = f"[a]: https://example.com/{'a' * 900}\n\n" + "[a]" * 300

    response = member_client.post(
        "/settings/profile/", {"display_name": "", "bio": bio}
    )

    assert response.status_code == 200
    assert "KB once formatted" in response.context["form"].errors["bio"][0]
    user.refresh_from_db()
    assert user.bio == ""


def test_the_admin_refuses_a_body_too_large(admin_client, thread):
    post = thread.posts.get()
    url = reverse("admin:forum_post_change", args=[post.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data.update(body_source=TOO_MUCH, hidden_reason="")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["body_source"]
    post.refresh_from_db()
    assert post.body_source == "Opening post."


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2069"]
)
def test_new_thread_titles_lose_bidi_controls(member_client, category, control):
    """A title cannot reverse the text around it (lists, breadcrumbs)."""
    response = member_client.post(
        reverse("forum:thread_create"),
        {"category": category.pk, "title": f"Hello {control}dlrow", "body": "x"},
    )

    assert response.status_code == 302
    thread = Thread.objects.get()
    assert thread.title == "Hello dlrow"
    assert control not in thread.posts.get().body_html


def test_edited_titles_lose_bidi_controls(member_client, thread):
    post = thread.posts.get()
    member_client.post(
        reverse("forum:post_edit", kwargs={"pk": post.pk}),
        {"title": f"{OVERRIDE}Renamed{OVERRIDE}", "body": "Opening post."},
    )

    thread.refresh_from_db()
    assert thread.title == "Renamed"


def test_a_title_of_only_bidi_controls_is_refused(member_client, category):
    response = member_client.post(
        reverse("forum:thread_create"),
        {"category": category.pk, "title": OVERRIDE * 10, "body": "x"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["title"]


def test_revisions_store_the_source_and_history_renders_it(member_client, thread):
    """An edit keeps the previous Markdown, not its HTML; the history page
    renders it when shown."""
    post = thread.posts.get()
    url = reverse("forum:post_edit", kwargs={"pk": post.pk})
    member_client.post(url, {"title": "A thread", "body": "First *edit*."})
    member_client.post(url, {"title": "A thread", "body": "Second edit."})

    columns = {
        column.name
        for column in connection.introspection.get_table_description(
            connection.cursor(), PostRevision._meta.db_table
        )
    }
    assert "body_html" not in columns
    assert [r.body_source for r in PostRevision.objects.all()] == [
        "First *edit*.",
        "Opening post.",
    ]
    history = member_client.get(reverse("forum:post_history", kwargs={"pk": post.pk}))
    html = history.content.decode()
    assert "<p>First <em>edit</em>.</p>" in html
    assert "<p>Opening post.</p>" in html
    assert Post.objects.get().body_source == "Second edit."


def test_history_shows_an_old_oversized_revision_as_text(member_client, thread, user):
    """A revision written before the bounds, that they refuse, is shown escaped
    instead of failing the page."""
    post = thread.posts.get()
    PostRevision.objects.create(
        post=post, body_source=TOO_MUCH + "<b>", editor=user, created_at=post.created_at
    )
    Post.objects.filter(pk=post.pk).update(edited_at=post.created_at)

    response = member_client.get(reverse("forum:post_history", kwargs={"pk": post.pk}))

    assert response.status_code == 200
    assert "<pre>- a\n- a" in response.content.decode()
    assert "&lt;b&gt;" in response.content.decode()


def test_rerender_posts_keeps_posts_past_the_bounds_and_names_them(thread, capsys):
    """A post stored before the bounds is kept as it is, not a crash, and the
    setting's change reaches the others."""
    from django.core.management import call_command

    opening = thread.posts.get()
    Post.objects.filter(pk=opening.pk).update(
        body_source="![cat](https://example.com/cat.png)"
    )
    old = Post.objects.create(
        thread=thread,
        author=thread.author,
        position=2,
        body_source=TOO_MUCH,
        body_html="<p>old</p>",
        created_at=opening.created_at,
    )

    call_command("rerender_posts")

    output = capsys.readouterr().out
    assert f"past the markup bounds: {old.pk}." in output
    assert Post.objects.get(pk=old.pk).body_html == "<p>old</p>"
    assert "<img" not in Post.objects.get(pk=opening.pk).body_html
