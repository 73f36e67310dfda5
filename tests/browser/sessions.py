"""Signed-in browser contexts, without going through the sign-in form."""

from django.conf import settings
from django.test import Client


def signed_in_context(browser, live_server, user, **options):
    """A browser context carrying `user`'s session; returns (context, client).

    The test client that made the session is returned too, for fetching the
    same pages' HTML as the member.
    """
    client = Client()
    client.force_login(user)
    context = browser.new_context(**options)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context, client
