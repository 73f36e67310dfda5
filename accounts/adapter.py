"""The one hook into django-allauth (ACCOUNT_ADAPTER)."""

from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from django.utils.http import url_has_allowed_host_and_scheme


class AccountAdapter(DefaultAccountAdapter):
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
