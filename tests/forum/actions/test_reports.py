"""Reports: the "Report" control, one open report per member and post, the
queue, and closing reports with a note."""

import pytest
from django.urls import reverse

from forum import actions
from forum.models import ModerationLogEntry, Report
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reply_post(thread):
    return actions.create_reply(thread=thread, author=UserFactory(), body="Rude!")


def report_url(post):
    return reverse("forum:post_report", args=[post.pk])


def test_members_see_a_report_link_on_others_posts(client, thread, reply_post, user):
    """The thread author sees "Report" on the reply, not on their own post."""
    client.force_login(user)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert report_url(reply_post) in html
    assert report_url(thread.posts.get(position=1)) not in html


def test_guests_see_no_report_link(client, thread, reply_post):
    """Reporting is for signed-in members."""
    assert (
        report_url(reply_post)
        not in client.get(thread.get_absolute_url()).content.decode()
    )


def test_a_report_is_saved_and_the_member_returns_to_the_post(client, reply_post, user):
    """The report keeps the reason and the text; the member goes back."""
    client.force_login(user)
    response = client.post(
        report_url(reply_post), {"reason": "abuse", "text": "Insults"}
    )
    assert response.status_code == 302
    assert f"#post-{reply_post.pk}" in response["Location"]
    report = Report.objects.get()
    assert (report.reporter, report.reason, report.text, report.status) == (
        user,
        "abuse",
        "Insults",
        "open",
    )


def test_a_second_open_report_is_a_form_error(client, reply_post, user):
    """One open report per member and post: the second gets a message."""
    client.force_login(user)
    client.post(report_url(reply_post), {"reason": "spam"})
    response = client.post(report_url(reply_post), {"reason": "abuse"})
    assert response.status_code == 200
    assert "already reported" in response.content.decode()
    assert Report.objects.count() == 1


def test_after_closing_the_member_may_report_again(client, reply_post, user, staff):
    """The rule is about open reports only."""
    client.force_login(user)
    client.post(report_url(reply_post), {"reason": "spam"})
    actions.dismiss_report(report=Report.objects.get(), actor=staff)
    client.post(report_url(reply_post), {"reason": "spam"})
    assert Report.objects.count() == 2


@pytest.mark.parametrize(
    "data", [{}, {"reason": "nonsense"}, {"reason": "spam", "text": "x" * 2001}]
)
def test_bad_reports_are_refused(client, reply_post, user, data):
    """A missing or unknown reason, or too long a text: a form error."""
    client.force_login(user)
    response = client.post(report_url(reply_post), data)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not Report.objects.exists()


def test_own_posts_cannot_be_reported(client, thread, user):
    """Reporting oneself makes no sense: 403 with a reason."""
    client.force_login(user)
    response = client.post(report_url(thread.posts.get()), {"reason": "spam"})
    assert response.status_code == 403
    assert "your own post" in response.content.decode()
    assert not Report.objects.exists()


def test_unverified_members_cannot_report(client, reply_post):
    """Reporting needs the same standing as posting."""
    client.force_login(UserFactory(verified_email=False))
    response = client.post(report_url(reply_post), {"reason": "spam"})
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_hidden_posts_cannot_be_reported_by_members(client, reply_post, user, staff):
    """A post the member cannot see is not found."""
    actions.hide_post(post=reply_post, actor=staff)
    client.force_login(user)
    assert client.post(report_url(reply_post), {"reason": "spam"}).status_code == 404


def test_queue_lists_open_reports_with_the_post(client, reply_post, user, moderator):
    """The queue shows the reason, the text and the post's words, with links."""
    actions.create_report(post=reply_post, reporter=user, reason="abuse", text="Mean")
    client.force_login(moderator)
    html = client.get(reverse("forum:report_queue")).content.decode()
    assert "Abusive or harassing" in html
    assert "Mean" in html
    assert "Rude!" in html
    assert reply_post.get_absolute_url() in html


def test_resolving_closes_every_open_report_of_the_post(client, reply_post, moderator):
    """Two members reported the same post: one decision closes both, one entry."""
    first = actions.create_report(
        post=reply_post, reporter=UserFactory(), reason="spam"
    )
    actions.create_report(post=reply_post, reporter=UserFactory(), reason="abuse")
    client.force_login(moderator)

    response = client.post(
        reverse("forum:report_close", args=[first.pk, "resolve"]), {"note": "Hidden it"}
    )

    assert response.status_code == 302
    assert (
        list(Report.objects.values_list("status", "note", "closed_by"))
        == [("resolved", "Hidden it", moderator.pk)] * 2
    )
    entry = ModerationLogEntry.objects.get()
    assert (entry.action, entry.reason, entry.post) == (
        "report.resolve",
        "Hidden it",
        reply_post,
    )
    html = client.get(reverse("forum:report_queue")).content.decode()
    assert "No open reports." in html


def test_dismissing_a_report(client, reply_post, moderator):
    """Dismissed reports leave the queue with their note."""
    report = actions.create_report(
        post=reply_post, reporter=UserFactory(), reason="spam"
    )
    client.force_login(moderator)
    client.post(
        reverse("forum:report_close", args=[report.pk, "dismiss"]), {"note": "Fine"}
    )
    report.refresh_from_db()
    assert (report.status, report.note) == ("dismissed", "Fine")


def test_header_count_is_one_query(
    client, reply_post, moderator, django_assert_num_queries
):
    """The moderator's header count adds a single COUNT to a page."""
    actions.create_report(post=reply_post, reporter=UserFactory(), reason="spam")
    client.force_login(moderator)
    client.get("/")
    # Session, user, board index, moderator scope, open report count.
    with django_assert_num_queries(5):
        html = client.get("/").content.decode()
    assert 'Reports <span class="badge badge-warning">1</span>' in html


def test_reports_are_rate_limited(client, thread, user, settings):
    """Past REPORT_RATE_LIMIT a member's report is refused with a form error and
    a 429, and nothing is saved; other members may still report."""
    settings.REPORT_RATE_LIMIT = "2/600"
    posts = [
        actions.create_reply(thread=thread, author=UserFactory(), body=f"Spam {n}")
        for n in range(3)
    ]
    client.force_login(user)

    statuses = [
        client.post(report_url(post), {"reason": "spam"}).status_code for post in posts
    ]

    assert statuses == [302, 302, 429]
    refused = client.post(report_url(posts[2]), {"reason": "spam"})
    assert "sending reports too quickly" in refused.content.decode()
    assert Report.objects.count() == 2
    client.force_login(UserFactory())
    assert client.post(report_url(posts[2]), {"reason": "spam"}).status_code == 302
