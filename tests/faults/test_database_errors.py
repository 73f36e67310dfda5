"""A database that is down answers the styled 503 page with Retry-After, from
a view or a middleware alike; other errors stay the 500 page."""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper


@pytest.fixture
def client(client):
    client.raise_request_exception = False
    return client


@contextmanager
def database_raises(error):
    """Every query fails meanwhile, as it does when the server is down."""
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=error):
        yield


def assert_unavailable(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert b"Back in a moment" in response.content
    assert b"/static/css/site" in response.content


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connection refused"),
        InterfaceError("connection already closed"),
    ],
)
def test_a_guest_page_without_the_database_is_a_503(client, db, error):
    with database_raises(error):
        response = client.get("/")
    assert_unavailable(response)


def test_a_members_request_fails_in_the_session_middleware_with_a_503(
    client, user, thread
):
    client.force_login(user)
    with database_raises(OperationalError("the database is shutting down")):
        read = client.get(thread.get_absolute_url())
        reply = client.post(f"/reply/{thread.pk}/", {"body": "Lost?"})
    assert_unavailable(read)
    assert_unavailable(reply)


def test_other_errors_are_still_the_500_page(client, db):
    with database_raises(ValueError("a bug")):
        response = client.get("/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert b"Something went wrong" in response.content
