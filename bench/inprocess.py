"""What `make bench` measures inside its own process (bench/run.py calls these
after setting up Django's environment): the bench members and URLs, the SQL
queries and HTML bytes of each scenario through Django's test client, and the
CPU time per request with the WSGI application called directly."""

import io
import os
import secrets
import sys
import time

# Members replying at once in the load (one per wrk thread), and the port the
# server listens on: the same as bench/run.py's.
POSTERS = 4  # members replying at once (one per wrk thread)
PORT = int(os.environ.get("BENCH_PORT") or "8041")


def prepare_in_process():
    """Bench members with sessions, and the scenarios' URLs."""
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    from accounts.models import User
    from forum.models import Post, Thread

    session_store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    members = []
    for number in range(POSTERS):
        member = User(
            username=f"bench-poster-{number}",
            display_name=f"Bench poster {number}",
            email=f"poster{number}@bench.invalid",
        )
        member.set_unusable_password()
        member.save()
        EmailAddress.objects.create(
            user=member, email=member.email, verified=True, primary=True
        )
        session = session_store()
        session[SESSION_KEY] = str(member.pk)
        session[BACKEND_SESSION_KEY] = "accounts.backends.AuthenticationBackend"
        session[HASH_SESSION_KEY] = member.get_session_auth_hash()
        session.create()
        members.append({"pk": member.pk, "session": session.session_key})

    by_size = Thread.objects.select_related("category").order_by("-post_count")
    hot, other = by_size[0], by_size[1]
    middle = Post.objects.get(thread=hot, position=hot.last_position // 2)
    thread_url = hot.get_absolute_url()
    return {
        "members": members,
        "hot_pk": hot.pk,
        "hot_category": hot.category_id,
        "urls": {
            "board": "/",
            "category": hot.category.get_absolute_url(),
            "thread": thread_url,
            "last_page": f"{thread_url}?page={hot.page_count}",
            "permalink": middle.get_absolute_url(),
            "search": "/search/?q=" + "+".join(hot.title.split()[:2]),
            "ceiling": "/bench/ceiling/",
            "reply": f"/reply/{hot.pk}/",
            # The measured reply goes elsewhere: the hot thread's last page stays full.
            "measured_reply": f"/reply/{other.pk}/",
        },
    }


def measure_queries(plan):
    """Queries and HTML bytes per scenario, through Django's test client."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    def run(client, method, url, **extra):
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(url, **extra)
        return response, len(queries)

    urls, figures = plan["urls"], {}
    guest = Client(HTTP_HOST="127.0.0.1")
    for name in ["ceiling", "board", "category", "thread", "last_page", "permalink"]:
        miss, miss_queries = run(guest, "get", urls[name])
        _, hit_queries = run(guest, "get", urls[name])
        figures[name] = {
            "status": miss.status_code,
            "queries": miss_queries,
            "hit_queries": hit_queries,
            "bytes": len(miss.content),
        }
    search, search_queries = run(guest, "get", urls["search"])
    figures["search"] = {
        "status": search.status_code,
        "queries": search_queries,
        "bytes": len(search.content),
    }
    member = Client(HTTP_HOST="127.0.0.1")
    member.cookies["sessionid"] = plan["members"][0]["session"]
    run(member, "get", urls["thread"])  # the session and the member's card
    with override_settings(GUEST_PAGE_CACHE_SECONDS=0):  # a page of their own
        _, render_queries = run(member, "get", urls["thread"])
    run(member, "get", urls["thread"])  # the shared rendering, stored
    page, page_queries = run(member, "get", urls["thread"])
    figures["member_thread"] = {
        "status": page.status_code,
        "queries": render_queries,
        "hit_queries": page_queries,
        "bytes": len(page.content),
    }
    token = secrets.token_hex(16)
    member.cookies["csrftoken"] = token
    reply, reply_queries = run(
        member,
        "post",
        urls["measured_reply"],
        data={"csrfmiddlewaretoken": token, "body": "A measured reply."},
    )
    figures["replies"] = {"status": reply.status_code, "queries": reply_queries}
    return figures


def measure_cpu(plan):
    """CPU time per request of each page scenario in this one process: the WSGI
    application called directly, no network, no other process (best of five
    rounds). Steadier than req/s on a shared machine, and it shows where the
    time goes: here, Django; in the load figures, also wrk, Redis and sockets.
    """
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    member_cookie = f"sessionid={plan['members'][0]['session']}; csrftoken=" + (
        "c" * 32
    )

    def environ(url, cookie):
        path, _, query = url.partition("?")
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(PORT),
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": cookie,
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }

    def per_request(url, cookie, count):
        def start_response(status, headers):
            pass

        started = time.process_time()
        for _ in range(count):
            response = application(environ(url, cookie), start_response)
            b"".join(response)
            response.close()
        return (time.process_time() - started) / count * 1e6

    urls, cpu = plan["urls"], {}
    for name in ["ceiling", "board", "category", "thread", "last_page", "permalink"]:
        per_request(urls[name], "", 20)  # the page stored, the code warm
        cpu[name] = min(per_request(urls[name], "", 300) for _ in range(5))
    per_request(urls["thread"], member_cookie, 20)
    cpu["member_thread"] = min(
        per_request(urls["thread"], member_cookie, 300) for _ in range(5)
    )
    return cpu
