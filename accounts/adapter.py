"""The one hook into django-allauth (ACCOUNT_ADAPTER)."""

import unicodedata
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.utils.http import url_has_allowed_host_and_scheme

from . import names
from .mail import queue_mail
from .site import on_site

# The links allauth puts in its mails' contexts (confirmation, password reset,
# "you already have an account", "no account with this address").
MAIL_LINKS = ("activate_url", "password_reset_url", "signup_url")


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every account mail, rendered here and sent by the task worker.

        The context (allauth's own, built as its send_mail builds it) holds the
        request, the user and the site, which a task could not carry: the mail is
        rendered now, and accounts.mail stores the result and sends it after commit.
        Its links are put on SITE_URL: allauth builds them from the request, so a
        Host header of the client's choosing (127.0.0.1:9999, or any name
        ALLOWED_HOSTS lets through) would go into the mail.
        """
        request = allauth_context.request
        full_context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
            **{key: on_site(context[key]) for key in MAIL_LINKS if context.get(key)},
        }
        queue_mail(self.render_mail(template_prefix, email, full_context))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        """The confirmation link, carrying the page the person signed up from.

        Confirming in the browser that signed up resumes allauth's pending
        sign-in, which keeps `next` by itself, but only for ACCOUNT_LOGIN_TIMEOUT
        (15 minutes) and not on another device. In the link, `next` survives both:
        the confirmation page posts it along and allauth redirects there. Only a
        path on this site is added.
        """
        url = super().get_email_confirmation_url(request, emailconfirmation)
        if request is None:
            return url
        next_url = request.POST.get("next") or request.GET.get("next")
        if next_url and url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            url = f"{url}?{urlencode({'next': next_url})}"
        return url

    def clean_username(self, username: str, shallow: bool = False) -> str:
        """A sign-up's username: NFKC, ASCII letters, digits and `_ . -`, not
        taken (allauth's checks), and not confusable with a member's name."""
        username = unicodedata.normalize("NFKC", username).strip()
        names.check_visible(username)
        names.check_username_characters(username)
        username = super().clean_username(username, shallow=shallow)
        if not shallow:
            names.check_not_confusable(username)
        return username
