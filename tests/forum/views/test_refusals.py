"""The GET of a writing page for someone who may not write: the same refusal
as the POST, on the 403 page, never a server error (issue 13, items 1 and 2);
and no menu offers what the member cannot do."""

import pytest
from django.test import Client
from django.urls import reverse

from forum import actions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unconfirmed(db):
    return UserFactory(verified_email=False)


@pytest.fixture
def other_post(thread):
    return actions.create_reply(thread=thread, author=UserFactory(), body="Other")


def visit(member, url):
    client = Client(raise_request_exception=False)
    client.force_login(member)
    return client.get(url)


def writing_pages(thread, post):
    return [
        reverse("forum:thread_create"),
        reverse("forum:thread_reply", args=[thread.pk]),
        reverse("forum:thread_reply", args=[thread.pk]) + f"?quote={post.pk}",
        reverse("forum:post_report", args=[post.pk]),
    ]


def test_suspended_member_is_told_why_on_every_writing_page(
    suspended, thread, other_post
):
    for url in writing_pages(thread, other_post):
        response = visit(suspended, url)
        assert response.status_code == 403, url
        assert "Insulting people" in response.content.decode(), url


def test_unconfirmed_member_is_told_to_confirm(unconfirmed, thread, other_post):
    for url in writing_pages(thread, other_post):
        response = visit(unconfirmed, url)
        assert response.status_code == 403, url
        assert "Confirm your e-mail address" in response.content.decode(), url


def test_reply_page_of_a_locked_thread_says_it_is_locked(
    thread, other_post, global_moderator
):
    actions.lock_thread(thread=thread, actor=global_moderator)
    member = UserFactory()
    for url in writing_pages(thread, other_post)[1:3]:
        response = visit(member, url)
        assert response.status_code == 403, url
        assert "This thread is locked" in response.content.decode(), url


def test_report_page_of_ones_own_post(thread, user):
    response = visit(user, reverse("forum:post_report", args=[thread.posts.get().pk]))
    assert response.status_code == 403
    assert "You cannot report your own post." in response.content.decode()


def test_suspended_member_is_offered_no_create_menu(suspended, user, thread):
    assert "Create New..." not in visit(suspended, "/").content.decode()
    assert "Create New..." in visit(user, "/").content.decode()
