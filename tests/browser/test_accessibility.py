"""Every page type, as each role: axe-core finds no WCAG 2.2 AA violation and the
Nu HTML Checker no error."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from forum import actions
from forum.models import Post
from tests.browser.checkers import axe_violations, html_errors
from tests.browser.sessions import signed_in_context
from tests.factories import CategoryFactory, UserFactory


@pytest.fixture
def site(transactional_db):
    """A board with a two-page thread, a recommended post and two members."""
    cache.clear()
    category = CategoryFactory(name="General", slug="general")
    author = UserFactory(username="author", display_name="Thread Author")
    member = UserFactory(username="member", display_name="Member")
    thread = actions.create_thread(
        category=category,
        author=author,
        title="An accessible thread",
        body="A *typical* post with a [link](https://example.org) and `code`.",
    )
    for number in range(2, 26):
        actions.create_reply(
            thread=thread,
            author=member if number % 2 else author,
            body=f"Reply {number}: some words, a list\n\n- one\n- two\n\n> a quote",
        )
    Post.objects.filter(thread=thread, position=1).update(is_recommended=True)
    own_post = thread.posts.filter(author=member).first()
    moderator = UserFactory(username="moderator", display_name="Mod", is_staff=True)
    actions.create_report(post=own_post, reporter=author, reason="spam", text="Ads")
    actions.lock_thread(thread=thread, actor=moderator, reason="Calm down")
    actions.unlock_thread(thread=thread, actor=moderator)
    return {
        "category": category,
        "thread": thread,
        "member": member,
        "moderator": moderator,
        "post": own_post,
    }


def guest_pages(site):
    thread = site["thread"]
    return {
        "board index": "/",
        "category": site["category"].get_absolute_url(),
        "thread": thread.get_absolute_url(),
        "thread page 2": f"{thread.get_absolute_url()}?page=2",
        "profile": site["member"].get_absolute_url(),
        "terms": "/terms/",
        "cookie settings": "/cookies/",
        "404": "/no-such-page/",
        "sign up": reverse("account_signup"),
        "sign in": reverse("account_login"),
        "password reset": reverse("account_reset_password"),
        "search form": reverse("forum:search"),
        "search results": reverse("forum:search") + "?q=typical+post",
        "search, no results": reverse("forum:search") + "?q=zeppelin",
    }


def member_pages(site):
    thread, post = site["thread"], site["post"]
    return {
        "thread (member, reply form)": thread.get_absolute_url(),
        "reply with quote": reverse("forum:thread_reply", kwargs={"pk": thread.pk})
        + f"?quote={post.pk}",
        "new thread": reverse("forum:thread_create"),
        "edit post": reverse("forum:post_edit", kwargs={"pk": post.pk}),
        "account settings": reverse("accounts:profile_settings"),
        "e-mail settings": reverse("account_email"),
        "password change": reverse("account_change_password"),
        "report post": reverse(
            "forum:post_report", kwargs={"pk": site["thread"].posts.get(position=2).pk}
        ),
    }


def moderator_pages(site):
    thread, post = site["thread"], site["post"]
    return {
        "thread (moderator)": thread.get_absolute_url(),
        "lock confirmation": reverse(
            "forum:thread_moderate", kwargs={"pk": thread.pk, "operation": "lock"}
        ),
        "move thread": reverse("forum:thread_move", kwargs={"pk": thread.pk}),
        "merge thread": reverse("forum:thread_merge", kwargs={"pk": thread.pk}),
        "split thread": reverse("forum:thread_split", kwargs={"pk": thread.pk}),
        "rename thread": reverse("forum:thread_rename", kwargs={"pk": thread.pk}),
        "hide post": reverse(
            "forum:post_moderate", kwargs={"pk": post.pk, "operation": "hide"}
        ),
        "report queue": reverse("forum:report_queue"),
        "approval queue": reverse("forum:approval_queue"),
        "moderation log": reverse("forum:moderation_log"),
        "suspend member": reverse(
            "forum:user_suspend", kwargs={"pk": site["member"].pk}
        ),
    }


def test_every_page_type_passes_axe_and_the_html_checker(
    browser, live_server, site, tmp_path
):
    """0 axe violations (WCAG 2.0-2.2 A/AA) and 0 HTML errors, guest and member."""
    violations, documents = [], {}

    guest = browser.new_context(bypass_csp=True)
    guest_client = Client()
    for name, url in guest_pages(site).items():
        page = guest.new_page()
        page.goto(f"{live_server.url}{url}")
        violations += [f"{name}: {line}" for line in axe_violations(page)]
        documents[name] = guest_client.get(url).content.decode()
        page.close()
    guest.close()

    member, member_client = signed_in_context(
        browser, live_server, site["member"], bypass_csp=True
    )
    for name, url in member_pages(site).items():
        page = member.new_page()
        page.goto(f"{live_server.url}{url}")
        violations += [f"{name}: {line}" for line in axe_violations(page)]
        documents[name] = member_client.get(url).content.decode()
        page.close()

    # A preview, as the member sees it after pressing "Preview".
    reply_url = reverse("forum:thread_reply", kwargs={"pk": site["thread"].pk})
    page = member.new_page()
    page.goto(f"{live_server.url}{reply_url}")
    page.locator("#id_body").fill("**Preview** me")
    page.get_by_role("button", name="Preview").click()
    violations += [f"preview: {line}" for line in axe_violations(page)]
    documents["preview"] = member_client.post(
        reply_url, {"body": "**Preview** me", "preview": "1"}
    ).content.decode()
    member.close()

    moderator, moderator_client = signed_in_context(
        browser, live_server, site["moderator"], bypass_csp=True
    )
    for name, url in moderator_pages(site).items():
        page = moderator.new_page()
        page.goto(f"{live_server.url}{url}")
        violations += [f"{name}: {line}" for line in axe_violations(page)]
        documents[name] = moderator_client.get(url).content.decode()
        page.close()
    moderator.close()

    errors = html_errors(documents, tmp_path)
    assert violations == [], "\n".join(violations)
    assert errors == [], "\n".join(errors)
