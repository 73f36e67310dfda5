"""Report, lock, hide and resolve in a real browser, with and without JavaScript."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from forum import actions
from forum.models import ModerationLogEntry, Report, Thread
from tests.browser.sessions import signed_in_context
from tests.factories import CategoryFactory, UserFactory


@pytest.fixture
def board(transactional_db):
    cache.clear()
    author = UserFactory(username="author", display_name="Author")
    spammer = UserFactory(username="spammer", display_name="Spammer")
    thread = actions.create_thread(
        category=CategoryFactory(), author=author, title="Busy", body="Hello all."
    )
    spam = actions.create_reply(
        thread=thread, author=spammer, body="Buy cheap watches now!"
    )
    return thread, spam


def signed_in(browser, live_server, user, javascript):
    context, _client = signed_in_context(
        browser, live_server, user, java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_member_reports_and_moderator_locks_hides_and_resolves(
    browser, live_server, board, javascript
):
    """The report reaches the queue; lock, hide and resolve work from the pages."""
    thread, spam = board
    thread_url = f"{live_server.url}{thread.get_absolute_url()}"

    # A member reports the spam.
    context, page = signed_in(browser, live_server, UserFactory(), javascript)
    page.goto(thread_url)
    page.locator(f"#post-{spam.pk}").get_by_role("link", name="Report").click()
    page.get_by_label("Spam or advertising").check()
    page.get_by_role("button", name="Send the report").click()
    assert Report.objects.filter(post=spam, status=Report.Status.OPEN).count() == 1
    context.close()

    # A moderator locks the thread and hides the post from the thread page.
    moderator = UserFactory(username="mod", is_staff=True)
    context, page = signed_in(browser, live_server, moderator, javascript)
    page.goto(thread_url)
    page.locator("details.moderation-menu").first.locator("summary").click()
    page.get_by_role("button", name="Lock", exact=True).click()
    expect(page.locator("p.byline .badge").first).to_have_text("Locked")
    post = page.locator(f"#post-{spam.pk}")
    post.locator("details.moderation-menu summary").click()
    post.get_by_role("link", name="Hide…").click()
    page.get_by_label("Reason (optional)").fill("Spam")
    page.get_by_role("button", name="Hide", exact=True).click()
    expect(page.locator(f"#post-{spam.pk}")).to_contain_text("Hidden by a moderator")

    # The report queue: resolve it.
    page.goto(f"{live_server.url}/mod/reports/")
    page.get_by_role("link", name="Resolve").click()
    page.get_by_role("button", name="Resolve").click()
    assert not Report.objects.filter(status=Report.Status.OPEN).exists()
    context.close()

    # A guest sees a locked thread without the spam.
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(thread_url)
    expect(page.locator("article")).to_have_count(1)
    assert "Buy cheap watches" not in page.content()
    context.close()

    assert Thread.objects.get(pk=thread.pk).is_locked
    logged = set(ModerationLogEntry.objects.values_list("action", flat=True))
    assert {"thread.lock", "post.hide", "report.resolve"} <= logged
