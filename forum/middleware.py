from django.core.exceptions import BadRequest
from django.http import Http404


class RejectNulBytesMiddleware:
    """Refuse URLs that carry a NUL byte, before any view looks them up.

    PostgreSQL refuses NUL in text values, so a lookup by such a path segment or
    query value would fail with a 500. No page has such an address (404), and no
    form or filter takes such a value (400).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            raise Http404("No such page.")
        if any("\x00" in key or "\x00" in value for key, value in request.GET.items()):
            raise BadRequest("The address holds a NUL character.")
        return self.get_response(request)
