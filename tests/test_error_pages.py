"""Requests whose query string or body cannot be read get the site's styled 400
page, on every kind of URL, never a bare server error (issue 13, items 3, 3b)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.pages import assert_site_page
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "&".join(f"f{number}=1" for number in range(1_100))


def assert_styled_400(response):
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert_site_page(response)


@pytest.mark.parametrize(
    "url", ["/", "/search/", "/accounts/login/", "/no/such/page/", "/admin/"]
)
def test_too_many_query_parameters(url, thread):
    """Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS; the 400 page
    itself must not read the query again."""
    client = Client(raise_request_exception=False)
    assert_styled_400(client.get(f"{url}?{TOO_MANY}"))
    client.force_login(UserFactory())
    assert_styled_400(client.get(f"{url}?{TOO_MANY}"))


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "cp500"])
@pytest.mark.parametrize(
    "name", ["account_login", "account_logout", "account_signup", "forum:search"]
)
def test_form_in_another_charset(name, charset, thread):
    """Django reads only UTF-8 forms; the error pages must not read it again
    (the CSRF check of the error page did)."""
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    client.force_login(UserFactory())
    client.get("/")
    response = client.generic(
        "POST",
        reverse(name),
        data="login=é&password=x".encode(charset),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert_styled_400(response)


def test_too_many_form_fields_on_a_post(thread):
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    client.get(reverse("account_login"))  # the CSRF cookie
    response = client.post(
        reverse("account_login"),
        data=TOO_MANY,
        content_type="application/x-www-form-urlencoded",
    )
    assert_styled_400(response)


def test_missing_csrf_token_with_too_many_query_parameters(thread):
    """The CSRF failure page reads the query too."""
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    client.get(reverse("account_login"))
    response = client.post(f"{reverse('account_login')}?{TOO_MANY}", {"login": "x"})
    assert_styled_400(response)


def test_multipart_body_without_a_boundary(thread):
    """Django cannot parse it; the 404 page must not try again (it did, a 500)."""
    client = Client(raise_request_exception=False)
    response = client.generic(
        "POST",
        "/accounts/confirm-email/no-such-key/",
        data=b"no boundary",
        content_type="multipart/form-data",
    )
    assert response.status_code in {400, 404}
    assert_site_page(response)
