"""The one hook into django-allauth (ACCOUNT_ADAPTER)."""

from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.utils.http import url_has_allowed_host_and_scheme

from .mail import queue_mail


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every account mail, rendered here and sent by the task worker.

        The context (allauth's own, built as its send_mail builds it) holds the
        request, the user and the site, which a task could not carry: the mail is
        rendered now, and accounts.mail stores the result and sends it after commit.
        """
        request = allauth_context.request
        full_context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
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
