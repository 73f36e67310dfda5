"""Keyboard only: the skip link, signing in, replying and signing out."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from forum import actions
from forum.models import Post
from tests.factories import CategoryFactory, UserFactory

PASSWORD = "correct horse 42"  # tests.factories.UserFactory


@pytest.fixture
def thread(transactional_db):
    cache.clear()
    author = UserFactory(username="author")
    UserFactory(username="typist", display_name="Typist")
    return actions.create_thread(
        category=CategoryFactory(), author=author, title="Keys only", body="Hello."
    )


def tab_to(page, predicate, *, key="Tab", limit=80):
    """Press Tab until the focused element satisfies `predicate` (a JS function)."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(f"({predicate})(document.activeElement)"):
            return
    raise AssertionError(f"never focused: {predicate}")


def press_enter_and_wait(page):
    """Enter on a link or submit button, then wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_skip_link_is_first_and_moves_focus_to_the_content(page, live_server, thread):
    """The first Tab lands on "Jump to content"; Enter moves focus to <main>."""
    page.goto(f"{live_server.url}{thread.get_absolute_url()}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == (
        "Jump to content"
    )
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def test_sign_in_reply_and_sign_out_with_the_keyboard(page, live_server, thread):
    """A member signs in, replies and signs out without touching the mouse."""
    page.goto(f"{live_server.url}{thread.get_absolute_url()}")
    tab_to(page, "el => el.textContent.trim() === 'Sign In Now'")
    press_enter_and_wait(page)
    tab_to(page, "el => el.name === 'login'")
    page.keyboard.type("typist")
    tab_to(page, "el => el.name === 'password'")
    page.keyboard.type(PASSWORD)
    press_enter_and_wait(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Keys only")

    tab_to(page, "el => el.name === 'body'")
    page.keyboard.type("Typed without a mouse.")
    tab_to(page, "el => el.textContent.trim() === 'Post reply'")
    press_enter_and_wait(page)
    reply = Post.objects.get(thread=thread, position=2)
    expect(page.locator(f"#post-{reply.pk}")).to_contain_text("without a mouse")

    # The reply's anchor leaves focus below the header: go back up to the menu.
    tab_to(
        page,
        "el => el.tagName === 'SUMMARY' && el.textContent.includes('Typist')",
        key="Shift+Tab",
    )
    page.keyboard.press("Enter")
    tab_to(page, "el => el.textContent.trim() === 'Sign out'")
    press_enter_and_wait(page)
    expect(page.get_by_role("link", name="Sign In", exact=True)).to_be_visible()
