"""Links in account mails point at SITE_URL, whatever Host the request named."""

import re

import pytest
from django.contrib.sites.models import Site
from django.urls import reverse

from accounts.site import sync_site

SITE = "https://forum.example.org"
# Allowed (ALLOWED_HOSTS has 127.0.0.1; the port is not checked), but not ours.
HOST = "127.0.0.1:9999"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def links(message) -> list[str]:
    found = re.findall(r"https?://\S+", message.body)
    assert found, message.body
    return found


def test_confirmation_mail_links_to_the_site(client, db, mailoutbox):
    """The confirmation link of a sign-up made through another Host is on SITE_URL."""
    password = "a fresh secret 93"
    client.post(
        reverse("account_signup") + "?next=/t/1/",
        {
            "email": "newcomer@example.com",
            "username": "newcomer",
            "password1": password,
            "password2": password,
            "next": "/t/1/",
        },
        HTTP_HOST=HOST,
    )
    (link,) = links(mailoutbox[0])
    assert link.startswith(f"{SITE}/accounts/confirm-email/")
    assert link.endswith("?next=%2Ft%2F1%2F")
    assert HOST not in mailoutbox[0].body


def test_password_reset_mail_links_to_the_site(client, user, mailoutbox):
    """The reset link, and the links of the mail to an unknown address."""
    url = reverse("account_reset_password")
    client.post(url, {"email": user.email}, HTTP_HOST=HOST)
    client.post(url, {"email": "nobody@example.com"}, HTTP_HOST=HOST)

    assert [
        link.startswith(f"{SITE}/accounts/password/reset/key/")
        for link in links(mailoutbox[0])
    ] == [True]
    assert all(link.startswith(f"{SITE}/") for link in links(mailoutbox[1]))
    assert not any(HOST in mail.body for mail in mailoutbox)


def test_account_exists_mail_links_to_the_site(client, user, mailoutbox):
    """Signing up with a member's address mails the owner links on SITE_URL."""
    password = "a fresh secret 93"
    client.post(
        reverse("account_signup"),
        {
            "email": user.email,
            "username": "other",
            "password1": password,
            "password2": password,
        },
        HTTP_HOST=HOST,
    )
    assert all(link.startswith(f"{SITE}/") for link in links(mailoutbox[0]))
    assert HOST not in mailoutbox[0].body


def test_the_sites_row_follows_site_url(db, settings):
    """migrate sets the Sites row (named in the mails) from SITE_URL and SITE_NAME."""
    settings.SITE_NAME = "Town Square"
    sync_site()

    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("forum.example.org", "Town Square")
