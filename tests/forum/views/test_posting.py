"""Replies, new threads, edits, quotes and previews through the pages."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from forum import actions
from forum.models import Post, PostRevision, Thread
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


@pytest.fixture
def member_client(client, user):
    client.force_login(user)
    return client


def reply_url(thread):
    return reverse("forum:thread_reply", kwargs={"pk": thread.pk})


def test_reply_is_saved_and_redirects_to_its_post(member_client, thread, user):
    """A reply lands as the next post and the member is sent to its anchor."""
    response = member_client.post(reply_url(thread), {"body": "I *agree*."})
    post = Post.objects.get(thread=thread, position=2)
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}#post-{post.pk}"
    assert post.author == user
    assert post.body_html == "<p>I <em>agree</em>.</p>\n"
    thread.refresh_from_db()
    assert thread.post_count == 2


def test_reply_on_a_later_page_redirects_to_that_page(member_client, make_thread):
    """Post 21 is on page 2, so the redirect names page 2."""
    thread = make_thread(posts=20)
    response = member_client.post(reply_url(thread), {"body": "Number 21"})
    post = Post.objects.get(thread=thread, position=21)
    assert response["Location"] == (
        f"{thread.get_absolute_url()}?page=2#post-{post.pk}"
    )


def test_thread_page_shows_the_reply_form_to_verified_members(member_client, thread):
    """Verified members get the reply form in place of the guest block."""
    response = member_client.get(thread.get_absolute_url())
    html = response.content.decode()
    assert 'name="body"' in html
    assert f'action="{reply_url(thread)}"' in html
    assert "Create an account or sign in to comment" not in html


def test_unverified_member_sees_why_and_cannot_post(client, thread):
    """Without a confirmed e-mail there is no form, a reason, and POSTs are refused."""
    member = UserFactory(verified_email=False)
    client.force_login(member)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Confirm your e-mail address before posting" in page
    assert reverse("account_email") in page
    assert 'name="body"' not in page
    response = client.post(reply_url(thread), {"body": "Let me in"})
    assert response.status_code == 403
    assert "Let me in" in response.content.decode()
    assert thread.posts.count() == 1


def test_guest_cannot_post(client, thread, category):
    """Guests are sent to sign in; nothing is written."""
    response = client.post(reply_url(thread), {"body": "Hello"})
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    response = client.post(
        reverse("forum:thread_create"),
        {"category": category.pk, "title": "Guest thread", "body": "Hi"},
    )
    assert response.status_code == 302
    assert thread.posts.count() == 1
    assert Thread.objects.count() == 1


def test_locked_thread_refuses_replies_and_keeps_the_text(member_client, thread):
    """A locked thread answers 403 with a message; the typed text stays."""
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    response = member_client.post(reply_url(thread), {"body": "Too late?"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This thread is locked" in html
    assert "Too late?" in html
    assert thread.posts.count() == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "This field is required."),
        ("   \n\t  ", "This field is required."),
        ("\x00\x01\x02", "This field is required."),
        ("x" * 50_001, "at most 50000 characters"),
    ],
)
def test_bad_reply_bodies_get_a_form_error(member_client, thread, body, error):
    """Empty, whitespace-only, control-only and too long bodies are refused."""
    response = member_client.post(reply_url(thread), {"body": body})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert thread.posts.count() == 1


def test_control_characters_are_removed_from_posts(member_client, thread):
    """NUL and other control characters never reach the database."""
    member_client.post(reply_url(thread), {"body": "a\x00b\x07c\nnext line"})
    post = thread.posts.get(position=2)
    assert post.body_source == "abc\nnext line"


def test_double_submit_creates_one_post(member_client, thread):
    """The same text sent twice in a row makes one post; both land on it."""
    first = member_client.post(reply_url(thread), {"body": "Once only"})
    second = member_client.post(reply_url(thread), {"body": "Once only"})
    assert thread.posts.filter(body_source="Once only").count() == 1
    assert first["Location"] == second["Location"]


def test_posting_rate_limit_answers_429_and_keeps_the_text(
    member_client, thread, settings
):
    """Past the limit the member gets a clear message, not a crash."""
    settings.NEW_ACCOUNT_POST_RATE_LIMIT = "2/60"
    for number in range(2):
        response = member_client.post(reply_url(thread), {"body": f"Reply {number}"})
        assert response.status_code == 302
    response = member_client.post(reply_url(thread), {"body": "One too many"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "You are posting too quickly" in html
    assert "One too many" in html
    assert thread.posts.count() == 3


def test_older_accounts_get_the_normal_rate(client, thread, settings):
    """The stricter limit applies to accounts younger than a day only."""
    from datetime import timedelta

    from django.utils import timezone

    settings.NEW_ACCOUNT_POST_RATE_LIMIT = "1/60"
    settings.POST_RATE_LIMIT = "3/60"
    veteran = UserFactory(date_joined=timezone.now() - timedelta(days=30))
    client.force_login(veteran)
    codes = [
        client.post(reply_url(thread), {"body": f"Reply {n}"}).status_code
        for n in range(4)
    ]
    assert codes == [302, 302, 302, 429]


def test_preview_renders_without_saving(member_client, thread):
    """Preview shows the rendered Markdown and the form again; nothing is saved."""
    response = member_client.post(
        reply_url(thread), {"body": "**bold** idea", "preview": "1"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>bold</strong> idea" in html
    assert "**bold** idea" in html  # still in the textarea
    assert thread.posts.count() == 1


def test_quote_prefills_the_reply_with_author_and_link(member_client, thread):
    """?quote=<id> pre-fills a blockquote naming the author and linking the post."""
    opening = thread.posts.get(position=1)
    response = member_client.get(reply_url(thread), {"quote": opening.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["body"].startswith(
        f"> **{opening.author.name}** wrote ([post #1](/p/{opening.pk}/)):"
    )
    assert "> Opening post." in form.initial["body"]


@pytest.mark.parametrize("quote", ["abc", "999999", "1" * 30])
def test_quote_of_an_unknown_post_is_404(member_client, thread, quote):
    """A quote id that is not a post of this thread is a 404."""
    response = member_client.get(reply_url(thread), {"quote": quote})
    assert response.status_code == 404


def test_quote_of_a_post_in_another_thread_is_404(member_client, thread, make_thread):
    other = make_thread(posts=1, title="Other thread")
    foreign = other.posts.get()
    response = member_client.get(reply_url(thread), {"quote": foreign.pk})
    assert response.status_code == 404


def test_thread_page_offers_quote_and_edit_controls(member_client, thread):
    """Each post has a Quote link; the member's own post has an Edit link."""
    post = thread.posts.get()
    html = member_client.get(thread.get_absolute_url()).content.decode()
    assert f"{reply_url(thread)}?quote={post.pk}" in html
    assert reverse("forum:post_edit", kwargs={"pk": post.pk}) in html


def test_start_a_thread(member_client, category, user):
    """The new-thread form makes the thread and its opening post, then shows it."""
    response = member_client.post(
        reverse("forum:thread_create"),
        {"category": category.pk, "title": "  Fresh topic  ", "body": "First!"},
    )
    thread = Thread.objects.get()
    assert response["Location"] == thread.get_absolute_url()
    assert thread.title == "Fresh topic"
    assert thread.author == user
    assert thread.posts.get().body_source == "First!"
    category.refresh_from_db()
    assert category.thread_count == 1


def test_new_thread_page_preselects_the_category(member_client, category):
    response = member_client.get(
        reverse("forum:thread_create"), {"category": category.slug}
    )
    assert response.context["form"].initial["category"] == category


@pytest.mark.parametrize(
    "data",
    [
        {"title": "ab", "body": "Body"},
        {"title": "x" * 201, "body": "Body"},
        {"title": "   ", "body": "Body"},
        {"title": "Good title", "body": "   "},
        {"title": "Good title", "body": "Body", "category": "999999"},
        {"title": "Good title", "body": "Body", "category": "abc"},
    ],
)
def test_bad_new_threads_get_form_errors(member_client, category, data):
    """Short, long or blank titles, blank bodies and unknown categories are refused."""
    data = {"category": category.pk, **data}
    response = member_client.post(reverse("forum:thread_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Thread.objects.exists()


def test_edit_own_post_keeps_a_revision_and_shows_edited(member_client, thread, user):
    """Editing stores the old text as a revision and the page says "Edited"."""
    post = thread.posts.get()
    url = reverse("forum:post_edit", kwargs={"pk": post.pk})
    response = member_client.post(url, {"title": "A thread", "body": "Better text"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body_source == "Better text"
    assert post.edited_at is not None
    revision = PostRevision.objects.get(post=post)
    assert revision.body_source == "Opening post."
    assert revision.editor == user
    page = member_client.get(thread.get_absolute_url()).content.decode()
    assert "Edited <time" in page
    history = member_client.get(reverse("forum:post_history", kwargs={"pk": post.pk}))
    assert "Opening post." in history.content.decode()


def test_editing_the_opening_post_can_rename_the_thread(member_client, thread):
    post = thread.posts.get()
    url = reverse("forum:post_edit", kwargs={"pk": post.pk})
    member_client.post(url, {"title": "Renamed thread", "body": "Opening post."})
    thread.refresh_from_db()
    assert thread.title == "Renamed thread"
    assert thread.slug == "renamed-thread"
    assert not PostRevision.objects.exists()


def test_edit_preview_saves_nothing(member_client, thread):
    post = thread.posts.get()
    url = reverse("forum:post_edit", kwargs={"pk": post.pk})
    response = member_client.post(
        url, {"title": "A thread", "body": "_draft_", "preview": "1"}
    )
    assert "<em>draft</em>" in response.content.decode()
    post.refresh_from_db()
    assert post.body_source == "Opening post."


def test_nobody_edits_another_members_post(client, thread):
    """Another member gets 403 on the edit page and on a direct POST."""
    client.force_login(UserFactory())
    post = thread.posts.get()
    url = reverse("forum:post_edit", kwargs={"pk": post.pk})
    assert client.get(url).status_code == 403
    assert client.post(url, {"title": "Hijack", "body": "Mine now"}).status_code == 403
    post.refresh_from_db()
    assert post.body_source == "Opening post."
    history = reverse("forum:post_history", kwargs={"pk": post.pk})
    assert client.get(history).status_code == 403


def test_staff_may_edit_any_post_and_the_revision_names_them(client, thread, staff):
    client.force_login(staff)
    post = thread.posts.get()
    url = reverse("forum:post_edit", kwargs={"pk": post.pk})
    client.post(url, {"title": "A thread", "body": "Moderated text"})
    assert PostRevision.objects.get(post=post).editor == staff


def test_edit_of_unknown_post_is_404(member_client):
    assert member_client.get("/p/999999/edit/").status_code == 404
    assert member_client.get("/p/999999/history/").status_code == 404


def test_reply_to_a_hidden_thread_is_404(member_client, thread):
    Thread.objects.filter(pk=thread.pk).update(is_hidden=True)
    assert member_client.post(reply_url(thread), {"body": "Hi"}).status_code == 404


def test_xss_in_a_reply_does_not_reach_the_page(member_client, thread):
    """Script and javascript: links are stripped before storage and display."""
    member_client.post(
        reply_url(thread),
        {"body": "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x>"},
    )
    post = thread.posts.get(position=2)
    assert "<script" not in post.body_html
    assert 'href="javascript' not in post.body_html
    assert "<img" not in post.body_html  # raw HTML is shown as text, escaped
    page = member_client.get(thread.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page


def test_missing_csrf_token_gets_the_403_page(thread, user):
    """A POST without a CSRF token is refused before anything is written."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reply_url(thread), {"body": "Forged"})
    assert response.status_code == 403
    assert thread.posts.count() == 1


def test_rerender_posts_command_updates_stale_html(thread, capsys):
    """rerender_posts rewrites stored HTML that no longer matches the rules."""
    from django.core.management import call_command

    Post.objects.filter(thread=thread).update(body_html="<p>stale</p>")
    call_command("rerender_posts", "--dry-run")
    assert Post.objects.get(thread=thread).body_html == "<p>stale</p>"
    call_command("rerender_posts")
    assert Post.objects.get(thread=thread).body_html == "<p>Opening post.</p>\n"
    assert "changed 1" in capsys.readouterr().out


def test_signed_in_thread_page_query_count_is_constant(
    client, user, make_thread, django_assert_num_queries
):
    """A member's thread page runs the same queries for 1 or 20 posts."""
    client.force_login(user)
    short = make_thread(posts=1)
    long = make_thread(posts=20, title="Twenty posts")
    client.get(short.get_absolute_url())  # warm the session
    with django_assert_num_queries(SIGNED_IN_THREAD_PAGE_QUERIES):
        assert client.get(short.get_absolute_url()).status_code == 200
    with django_assert_num_queries(SIGNED_IN_THREAD_PAGE_QUERIES):
        assert client.get(long.get_absolute_url()).status_code == 200


# Session, user (with the e-mail and moderator facts: accounts.backends), thread,
# posts, recommended posts. With the page cache on, a shared page runs none
# (tests/pagecache/test_members.py).
SIGNED_IN_THREAD_PAGE_QUERIES = 5


def test_cached_sessions_spare_the_session_query(
    client, user, make_thread, settings, django_assert_num_queries
):
    """With cached_db sessions (the setting when REDIS_URL is set), one query less."""
    settings.SESSION_ENGINE = "accounts.cached_sessions"
    client.force_login(user)
    thread = make_thread(posts=20)
    client.get(thread.get_absolute_url())  # warm the session

    with django_assert_num_queries(SIGNED_IN_THREAD_PAGE_QUERIES - 1):
        assert client.get(thread.get_absolute_url()).status_code == 200


def test_actions_refuse_unverified_authors(thread):
    """The rule lives in the action too, so no caller can skip it."""
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.create_reply(
            thread=thread, author=UserFactory(verified_email=False), body="Hi"
        )


def test_cached_post_fragments_follow_every_change(member_client, thread, user):
    """Post headers and share panels are cached per post, never served stale."""
    from accounts.actions import update_profile

    post = thread.posts.get(position=1)
    moderator = UserFactory(is_staff=True)

    def first_article():
        thread.refresh_from_db()
        page = member_client.get(thread.get_absolute_url()).content.decode()
        article = page[page.index(f'id="post-{post.pk}"') :]
        return article[: article.index("</article>")]

    assert "Member" in first_article()  # fills the fragment cache
    update_profile(user=user, display_name="Renamed Author", bio="")
    assert "Renamed Author" in first_article()
    actions.create_reply(thread=thread, author=user, body="Second post")
    assert "<dd>2</dd>" in first_article()  # the author's post count
    actions.edit_post(post=post, editor=user, body="Opening post, edited.")
    assert "Edited <time" in first_article()
    actions.rename_thread(thread=thread, actor=moderator, title="Renamed thread")
    assert "Renamed%20thread" in first_article()  # share links carry the title
