"""The crawl's machinery (tests/test_crawl.py, tests/test_fuzz.py): one world of
real rows, every URL pattern of the URL conf filled in with that world's ids,
a client per kind of visitor, and the forms each page holds.

Each request runs in a savepoint that is rolled back, with empty caches, so
every visit sees the same world (a "delete" or a sign-out changes nothing for
the next one) and no rate limit answers in place of the view.
"""

import itertools
import re
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.core.cache import cache, caches
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from accounts.models import User
from forum import actions
from forum.models import Category, ModerationLogEntry, Post, Report, Thread
from tests.factories import CategoryFactory, GlobalModeratorFactory, UserFactory

ROLES = [
    "guest",
    "unconfirmed",
    "member",
    "suspended",
    "author",
    "category_moderator",
    "other_moderator",
    "global_moderator",
    "administrator",
]


@dataclass
class World:
    """The rows the URLs are filled in with, and the visitors."""

    members: dict[str, User]
    category: Category
    other_category: Category
    thread: Thread
    locked_thread: Thread
    hidden_thread: Thread
    opening_post: Post
    reply: Post
    hidden_post: Post
    report: Report
    extra: dict = field(default_factory=dict)


def operations(target: str) -> list[str]:
    """The one-step tools on `target`, from the registry of moderation verbs."""
    return [action.operation for action in ModerationLogEntry.Action.tools(target)]


def build_world() -> World:
    """A category with a thread of several posts (one hidden, one reported, one
    edited), a locked and a hidden thread, another category, and a member of
    every kind."""
    category = CategoryFactory(name="Coffee", slug="coffee")
    other_category = CategoryFactory(name="Tea", slug="tea")
    administrator = UserFactory(
        username="root", is_staff=True, is_superuser=True, display_name="Root"
    )
    global_moderator = GlobalModeratorFactory(username="globalmod")
    category_moderator = UserFactory(username="catmod")
    category.moderators.add(category_moderator)
    other_moderator = UserFactory(username="teamod")
    other_category.moderators.add(other_moderator)
    author = UserFactory(username="author")
    member = UserFactory(username="member")
    unconfirmed = UserFactory(username="unconfirmed", verified_email=False)
    suspended = UserFactory(username="suspended")

    thread = actions.create_thread(
        category=category, author=author, title="Grinding beans", body="Post 1"
    )
    reply = actions.create_reply(thread=thread, author=member, body="Post 2")
    hidden_post = actions.create_reply(thread=thread, author=member, body="Post 3")
    for number in range(4, 7):
        actions.create_reply(thread=thread, author=author, body=f"Post {number}")
    opening_post = thread.posts.get(position=1)
    actions.edit_post(post=opening_post, editor=author, body="Post 1, edited")
    actions.hide_post(post=hidden_post, actor=category_moderator, reason="Spam")
    report = actions.create_report(post=reply, reporter=author, reason="spam")
    locked_thread = actions.create_thread(
        category=category, author=author, title="Locked", body="Closed topic"
    )
    actions.lock_thread(thread=locked_thread, actor=category_moderator)
    hidden_thread = actions.create_thread(
        category=other_category, author=member, title="Hidden", body="Gone"
    )
    actions.hide_thread(thread=hidden_thread, actor=global_moderator)
    actions.suspend_user(
        member=suspended,
        actor=global_moderator,
        until=timezone.now() + timedelta(days=7),
        reason="Insulting people",
    )
    site = Site.objects.get_current()
    for url in ("/terms/", "/privacy/", "/cookies/"):
        page, _ = FlatPage.objects.get_or_create(
            url=url, defaults={"title": url.strip("/"), "content": "Text."}
        )
        page.sites.add(site)
    members = {
        "unconfirmed": unconfirmed,
        "member": member,
        "suspended": suspended,
        "author": author,
        "category_moderator": category_moderator,
        "other_moderator": other_moderator,
        "global_moderator": global_moderator,
        "administrator": administrator,
    }
    return World(
        members=members,
        category=category,
        other_category=other_category,
        thread=thread,
        locked_thread=locked_thread,
        hidden_thread=hidden_thread,
        opening_post=opening_post,
        reply=reply,
        hidden_post=hidden_post,
        report=report,
    )


# The URL conf, walked.


@dataclass(frozen=True)
class Pattern:
    """One leaf of the URL conf: its name (or its route) and its levels."""

    name: str
    levels: tuple  # the URLPattern/URLResolver objects from the root down


def url_patterns(resolver=None, levels=(), namespace="") -> list[Pattern]:
    """Every URL pattern of the URL conf, included ones too (admin, allauth)."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += url_patterns(entry, (*levels, entry), inner)
        else:
            route = "".join(str(level.pattern) for level in (*levels, entry))
            found.append(Pattern(f"{namespace}{entry.name or route}", (*levels, entry)))
    return found


ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
REGEX_PARAMETER = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")


def urls_for(pattern: Pattern, world: World) -> list[str]:
    """The URLs of the pattern, its parameters filled in from the world (every
    combination of the candidates), each checked to resolve to the pattern."""
    names = []
    for level in pattern.levels:
        names += list(level.pattern.regex.groupindex)
    prefix = "/" + "".join(
        _plain(level, {}) for level in pattern.levels if isinstance(level, URLResolver)
    )
    candidates = [_candidates(pattern.name, name, prefix, world) for name in names]
    urls = []
    for values in itertools.product(*candidates):
        chosen = dict(zip(names, values, strict=True))
        url = "/" + "".join(_plain(level, chosen) for level in pattern.levels)
        try:
            match = resolve(url.split("?")[0])
        except Resolver404:
            continue
        if match.func == pattern.levels[-1].callback:
            urls.append(url)
    return urls


def _plain(level, values: dict) -> str:
    """A level's pattern as a path, its parameters replaced by `values`."""
    text = str(level.pattern)
    parameter = (
        ROUTE_PARAMETER if isinstance(level.pattern, RoutePattern) else REGEX_PARAMETER
    )
    text = parameter.sub(lambda m: str(values.get(m[1], "")), text)
    return text.lstrip("^").rstrip("$").replace("\\.", ".")


def _candidates(name: str, parameter: str, prefix: str, world: World) -> list:
    members = world.members
    if parameter == "pk":
        if name.startswith(("forum:thread", "forum:thread_moderate")):
            return [world.thread.pk, world.locked_thread.pk, world.hidden_thread.pk]
        if name.startswith("forum:post"):
            return [world.opening_post.pk, world.reply.pk, world.hidden_post.pk]
        if name.startswith("forum:report"):
            return [world.report.pk]
        if name.startswith("forum:user"):
            return [members["author"].pk, members["suspended"].pk]
        return [world.thread.pk]
    if parameter == "operation":
        if name == "forum:thread_moderate":
            return [*operations("thread"), "no-such-operation"]
        if name == "forum:post_moderate":
            return [*operations("post"), "no-such-operation"]
        return ["resolve", "dismiss", "no-such-operation"]
    if parameter == "slug":
        if name == "forum:thread_detail":
            return [world.thread.slug, "wrong-slug"]
        return [world.category.slug, "no-such-category"]
    if parameter == "username":
        return [members["author"].username, members["suspended"].username, "nobody"]
    if parameter == "object_id":
        return [_admin_object(prefix, world), "1899-12-31"]
    if parameter == "content_type_id":
        return [ContentType.objects.get_for_model(Thread).pk]
    if parameter == "id":  # the admin's password change
        return [members["member"].pk]
    if parameter == "app_label":
        return sorted({model._meta.app_label for model in apps.get_models()})
    if parameter == "name":  # an avatar file
        return [f"{members['member'].pk}-abcdef.webp"]
    if parameter == "url":  # the admin's catch-all
        return ["no/such/page/"]
    if parameter == "uidb36":
        return ["1"]
    return ["not-a-real-key"]  # e-mail confirmation and password reset keys


def _admin_object(prefix: str, world: World):
    """The pk of a row of the model whose admin `prefix` is (/admin/app/model/),
    or of the thread (view_on_site)."""
    parts = prefix.strip("/").split("/")
    if len(parts) < 3:
        return world.thread.pk
    model = apps.get_model(parts[1], parts[2])
    preferred = {
        User: world.members["member"].pk,
        Post: world.reply.pk,
        Thread: world.thread.pk,
        Category: world.category.pk,
        Report: world.report.pk,
    }
    if model in preferred:
        return preferred[model]
    row = model._default_manager.order_by("pk").first()
    return row.pk if row else 1


# Visitors and visits.


def clients(world: World) -> dict[str, Client]:
    """A client per role, signed in with a session of its own."""
    result = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if role != "guest":
            client.force_login(world.members[role])
        result[role] = client
    return result


@dataclass
class Failure:
    role: str
    method: str
    url: str
    variant: str
    status: int
    error: str

    def __str__(self):
        return (
            f"{self.status} {self.method} {self.url} as {self.role} "
            f"({self.variant}): {self.error}"
        )


def visit(client: Client, method: str, url: str, **kwargs):
    """One request, its writes rolled back, the client's cookies kept as they
    were (a sign-out must not sign the next visit out)."""
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)
    cache.clear()
    caches["pages"].clear()
    try:
        with transaction.atomic():
            response = client.generic(method, url, **kwargs)
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
    return response


def failure_of(response, role, method, url, variant) -> Failure | None:
    """A Failure for a server error, with the exception's last words."""
    if response.status_code < 500:
        return None
    exc_info = getattr(response, "exc_info", None)
    error = repr(exc_info[1])[:300] if exc_info else ""
    return Failure(role, method, url, variant, response.status_code, error)


# Forms.


class FormParser(HTMLParser):
    """The POST forms of a page: action and fields with their default values."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": []}
            self.forms.append(self._form)
        if self._form is None or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset"}:
                if attrs.get("name"):
                    self._form["fields"].append(
                        (attrs["name"], "submit", attrs.get("value") or "1")
                    )
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                value = None if kind == "radio" else attrs.get("value") or "on"
                self._form["fields"].append((attrs["name"], kind, value))
                return
            self._form["fields"].append((attrs["name"], kind, attrs.get("value")))
        elif tag == "select":
            self._select = [attrs["name"], "select", None]
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            if self._select[2] in (None, "") or "selected" in attrs:
                self._select[2] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = [attrs["name"], "textarea", ""]
            self._form["fields"].append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_posting_to(response, url: str) -> list[list]:
    """The fields of the page's POST forms that post to `url` (or to itself)."""
    if "text/html" not in response.get("Content-Type", ""):
        return []
    parser = FormParser()
    parser.feed(response.content.decode(errors="replace"))
    path = url.split("?")[0]
    return [
        [tuple(f) for f in form["fields"]]
        for form in parser.forms
        if form["action"] in ("", path, url) or form["action"].startswith("?")
    ]


PLAUSIBLE = {
    "email": "someone@example.com",
    "password": "correct horse 42",
    "date": "2030-01-01",
    "number": "1",
    "url": "https://example.com/",
    "textarea": "A reasonable body of text for this form, long enough.",
    "text": "Reasonable words",
    "search": "coffee",
}


def valid_data(fields) -> dict:
    """What a person would send: the defaults, and plausible values elsewhere."""
    data = {}
    for name, kind, value in fields:
        if kind == "file" or name == "csrfmiddlewaretoken":
            continue
        if value in (None, ""):
            if kind in {"checkbox", "radio", "submit"}:
                continue
            value = PLAUSIBLE.get(kind, PLAUSIBLE["text"])
            if "date" in name:
                value = "2030-01-01"
        data.setdefault(name, value)
    return data


def field_names(fields) -> list[str]:
    return sorted({name for name, kind, value in fields if kind != "file"})
