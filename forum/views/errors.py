"""The error pages (config.urls' handlers): Django's own views and templates,
made safe for the request that caused the error.

Django's handlers and the pages' context processors read the query string and
the form data again: for a request whose query string has too many
parameters, or whose body declares a charset other than UTF-8, that raises
the very error being answered, and the page becomes a bare server error. The
handlers here first replace what cannot be read with empty data.
"""

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError
from django.views import defaults


def _readable(request) -> None:
    """Empty the request's query or form data where reading it fails."""
    try:
        request.GET  # noqa: B018 - reading it is the check
    except SuspiciousOperation:  # TooManyFieldsSent
        request.GET = QueryDict()
    try:
        request.POST  # noqa: B018
    # A non-UTF-8 form, too many fields, a multipart body without a boundary.
    except (BadRequest, SuspiciousOperation, MultiPartParserError):
        request.POST = QueryDict()


def bad_request(request, exception):
    """The site's 400 page."""
    _readable(request)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    """The site's 403 page, with the refusal's reason."""
    _readable(request)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    """The site's 404 page."""
    _readable(request)
    return defaults.page_not_found(request, exception)
