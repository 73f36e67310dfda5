"""Every URL pattern of the URL conf, as every kind of visitor, with GET and with
POST (what the page's form holds, nothing, and absurd values): no server error
(issue 13, item 4). Failures are collected and reported together."""

import time
from urllib.parse import urlencode

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

ABSURD = ["1899-12-31", "-9223372036854775809"]
# The admin asks one thing of a visitor, is_staff (and then the model
# permissions, all an administrator's): the other roles see its sign-in page.
ADMIN_ROLES = ["guest", "member", "administrator"]


def roles_for(url: str) -> list[str]:
    return ADMIN_ROLES if url.startswith("/admin/") else ROLES


class CrawlTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()

    def test_every_url_as_every_visitor(self):
        """GET every URL as every role, then POST to it nothing and what its
        forms hold (as any role saw them); absurd values in every field as the
        roles that were shown the page."""
        assert not settings.DEBUG_PROPAGATE_EXCEPTIONS  # a 500 must be a 500
        started = time.monotonic()
        visitors = clients(self.world)
        patterns = url_patterns()
        urls, unreached = [], []
        for pattern in patterns:
            found = urls_for(pattern, self.world)
            if not found:
                unreached.append(pattern.name)
            urls += found
        assert not unreached, f"patterns the crawl cannot fill in: {unreached}"

        failures, forms, seen_forms, requests = [], {}, set(), 0
        for url in urls:
            for role in roles_for(url):
                response = visit(visitors[role], "GET", url)
                requests += 1
                failures.append(failure_of(response, role, "GET", url, "page"))
                if response.status_code == 200:
                    seen_forms.add((url, role))
                    for fields in forms_posting_to(response, url):
                        forms.setdefault(url, {})[tuple(field_names(fields))] = fields
        for url in urls:
            filled = [valid_data(fields) for fields in forms.get(url, {}).values()]
            absurd = [
                {name: value for name in field_names(fields)}
                for fields in forms.get(url, {}).values()
                for value in ABSURD
            ]
            for role in roles_for(url):
                variants = [("empty", {})] + [("valid", data) for data in filled]
                if (url, role) in seen_forms:  # the absurd values for who sees it
                    variants += [("absurd", data) for data in absurd]
                for variant, data in variants:
                    response = visit(
                        visitors[role],
                        "POST",
                        url,
                        data=urlencode(data, doseq=True),
                        content_type="application/x-www-form-urlencoded",
                    )
                    requests += 1
                    failures.append(failure_of(response, role, "POST", url, variant))
        failures = [failure for failure in failures if failure]
        elapsed = time.monotonic() - started
        print(
            f"crawl: {len(patterns)} patterns, {len(urls)} URLs x {len(ROLES)} "
            f"roles, {requests} requests in {elapsed:.1f} s"
        )
        assert not failures, "\n".join(map(str, failures))
