"""The member journey in a real browser, with and without JavaScript."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from forum import actions
from forum.models import Post, Thread
from tests.factories import CategoryFactory, UserFactory

CONFIRMATION_LINK = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s]+")


@pytest.fixture
def board(transactional_db):
    """A category and a thread by another member, made through the actions."""
    cache.clear()  # allauth's rate limits (one confirmation mail per address...)
    category = CategoryFactory(name="General", slug="general")
    author = UserFactory(username="starter", display_name="Thread Starter")
    thread = actions.create_thread(
        category=category,
        author=author,
        title="Welcome to the board",
        body="First post, **bold** and all.",
    )
    return category, thread


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_sign_up_verify_reply_quote_start_edit_sign_out(
    browser, live_server, board, javascript, settings
):
    """A guest signs up from a thread, confirms, lands back, and takes part."""
    settings.NEW_ACCOUNT_POST_RATE_LIMIT = "20/60"
    category, thread = board
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    thread_url = f"{live_server.url}{thread.get_absolute_url()}"

    # A guest reads the thread and follows "Register a new account".
    page.goto(thread_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the board")
    page.get_by_role("link", name="Register a new account").click()

    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Username").fill("newcomer")
    page.locator("#id_password1").fill("a long enough passphrase")
    page.locator("#id_password2").fill("a long enough passphrase")
    page.get_by_role("button", name=re.compile("Sign Up", re.I)).click()

    # The verification mail; its link confirms and lands back on the thread.
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        re.compile("Verify", re.I)
    )
    (message,) = [m for m in mail.outbox if "newcomer@example.com" in m.to]
    link = CONFIRMATION_LINK.search(message.body).group(0)
    page.goto(link)
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    expect(page).to_have_url(re.compile(re.escape(thread.get_absolute_url())))

    # Reply from the form at the bottom of the thread.
    page.get_by_label("Your reply").fill("Glad to be here, *really*.")
    page.get_by_role("button", name="Post reply").click()
    reply = Post.objects.get(thread=thread, position=2)
    expect(page).to_have_url(re.compile(f"#post-{reply.pk}$"))
    expect(page.locator(f"#post-{reply.pk}")).to_contain_text("Glad to be here")

    # Quote the opening post, preview, then post.
    opening = thread.posts.get(position=1)
    page.locator(f"#post-{opening.pk}").get_by_role("link", name="Quote").click()
    body = page.get_by_label("Your reply")
    expect(body).to_have_value(re.compile("Thread Starter"))
    body.fill(body.input_value() + "Quoted for truth.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview blockquote")).to_contain_text("First post")
    page.get_by_role("button", name="Post reply").click()
    quote_post = Post.objects.get(thread=thread, position=3)
    expect(page.locator(f"#post-{quote_post.pk} blockquote")).to_contain_text(
        "First post"
    )

    # Start a thread from "Create New...".
    page.get_by_text("Create New...").click()
    page.get_by_role("link", name="Thread", exact=True).click()
    page.get_by_label(re.compile(r"^Category")).select_option(label="General")
    page.get_by_label(re.compile(r"^Title")).fill("A thread of my own")
    page.get_by_label(re.compile(r"^Message")).fill("Opening words.")
    page.get_by_role("button", name="Start thread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A thread of my own")
    mine = Thread.objects.get(title="A thread of my own")

    # Edit the opening post: the page says it was edited.
    first = mine.posts.get(position=1)
    page.locator(f"#post-{first.pk}").get_by_role("link", name="Edit").click()
    page.get_by_label(re.compile(r"^Message")).fill("Opening words, revised.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(f"#post-{first.pk}")).to_contain_text("Opening words, revised.")
    expect(page.locator(f"#post-{first.pk}")).to_contain_text("Edited")

    # Search from the header finds the quoted reply.
    page.locator("#search-q").fill("truth")
    page.locator("form.search").get_by_role("button", name="Search").click()
    expect(page.locator("main")).to_contain_text("Quoted for truth")
    expect(page.locator("main mark").first).to_have_text(re.compile("truth", re.I))

    # Sign out (a POST from the user menu): a guest again.
    page.locator("nav.account-nav details.menu").last.locator("summary").click()
    page.get_by_role("button", name="Sign out").click()
    if page.get_by_role("button", name=re.compile("Sign Out", re.I)).count():
        page.get_by_role("button", name=re.compile("Sign Out", re.I)).click()
    page.goto(thread_url)
    expect(page.get_by_text("Create an account or sign in to comment")).to_be_visible()
    context.close()
