"""Hostile values in every form field, and hostile requests to every URL: no
server error (issue 13, "Guards that stay"). The forms are the ones the crawl
finds (tests/crawl.py), each posted as the most trusted role shown it."""

import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.test import TestCase

from tests.crawl import (
    ROLES,
    build_world,
    clients,
    failure_of,
    field_names,
    forms_posting_to,
    url_patterns,
    urls_for,
    valid_data,
    visit,
)

HOSTILE = [
    "x" * 100_000,
    "\x00nul",
    "\x01\x08\x1b[31m\x7f\u202e\u200b\ufeff",
    "9223372036854775808",
    "-9223372036854775809",
    "1e309",
    "NaN",
    " ",
]
FORM = "application/x-www-form-urlencoded"
# Bodies that are not the form they claim to be: content type, bytes.
ODD_BODIES = [
    (FORM, b"body=%FF%FE%C0%AF&title=%ED%A0%80"),  # invalid UTF-8, percent-encoded
    (FORM, b"body=\xff\xfe\xc0\xaf&title=\xed\xa0\x80"),  # and raw
    ("application/json", b'{"body": "x", "title": [1, 2]}'),
    ("multipart/form-data; boundary=zzz", b"--zzz\r\nbroken"),
    ("multipart/form-data", b"no boundary"),
    ("text/plain", b"body=x"),
]
WRONG_METHODS = ["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "HEAD"]


class FuzzTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()

    def test_hostile_input_never_gets_a_server_error(self):
        assert not settings.DEBUG_PROPAGATE_EXCEPTIONS
        started = time.monotonic()
        visitors = clients(self.world)
        urls = [url for p in url_patterns() for url in urls_for(p, self.world)[:1]]
        failures, requests = [], 0

        def send(role, method, url, variant, **kwargs):
            nonlocal requests
            requests += 1
            response = visit(visitors[role], method, url, **kwargs)
            failures.append(failure_of(response, role, method, url, variant))

        # The most trusted role first: it is shown the most forms.
        for url in urls:
            for role in reversed(ROLES):
                response = visit(visitors[role], "GET", url)
                forms = forms_posting_to(response, url)
                if response.status_code == 200 and forms:
                    break
            else:
                role, forms = "administrator", []
            for fields in forms:
                names, base = field_names(fields), valid_data(fields)
                # Each field alone on the site's own forms; the admin's (many
                # fields, Django's code) get each value in every field at once.
                singly = [] if url.startswith("/admin/") else names
                for value in HOSTILE:
                    send(
                        role,
                        "POST",
                        url,
                        f"every field {value[:20]!r}",
                        data=urlencode(dict.fromkeys(names, value)),
                        content_type=FORM,
                    )
                    for name in singly:
                        data = {**base, name: value}
                        send(
                            role,
                            "POST",
                            url,
                            f"{name}={value[:20]!r}",
                            data=urlencode(data),
                            content_type=FORM,
                        )
                for group in [[name] for name in singly] or [names]:
                    repeated = {
                        **base,
                        **{key: [base.get(key, "1"), "other", ""] for key in group},
                    }
                    send(
                        role,
                        "POST",
                        url,
                        f"{' '.join(group)[:60]} repeated",
                        data=urlencode(repeated, doseq=True),
                        content_type=FORM,
                    )
                raw = "&".join(f"{quote(n)}=%FF%00%C3" for n in names)
                send(
                    role,
                    "POST",
                    url,
                    "every field invalid UTF-8",
                    data=raw.encode(),
                    content_type=FORM,
                )
            for content_type, body in ODD_BODIES:
                send(
                    role,
                    "POST",
                    url,
                    content_type,
                    data=body,
                    content_type=content_type,
                )
            for method in WRONG_METHODS:
                send(role, method, url, "wrong method")
            send(
                role,
                "GET",
                f"{url}?page=9223372036854775808&q=%00&page=-1",
                "hostile query",
            )
        failures = [failure for failure in failures if failure]
        elapsed = time.monotonic() - started
        print(f"fuzz: {len(urls)} URLs, {requests} requests in {elapsed:.1f} s")
        assert not failures, "\n".join(map(str, failures))
