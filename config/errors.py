"""The server-error handler: a database that is down or restarting is a 503.

Django calls `handler500` for every exception that nothing else handled, from
a view or a middleware alike (the session, the page cache, authentication all
read the database). When the exception is a lost or refused database
connection (`OperationalError`, `InterfaceError`, which also cover SQLite's
"database is locked" and a cancelled statement), the request may simply be
tried again: 503 with `Retry-After`, from a template that needs no database
(no context processors, no request). Django closes the broken connection at
the end of the request and opens a new one, checked, for the next, so the site
serves again as soon as the database does.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

# Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 5


@requires_csrf_token
def server_error(request):
    """The styled 503 page when the database is unavailable, else the 500 page."""
    if isinstance(sys.exception(), OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
