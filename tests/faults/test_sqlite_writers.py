"""The embedded default under concurrent writers: members posting at once
through `make serve` on SQLite (gunicorn with config/gunicorn.py: one process,
a thread per core and two more) get no "database is locked" and lose no post.

Runs in the SQLite run (its own database file, in a temporary directory).
"""

import threading
import time

import pytest
from django.db import connection

from tests.faults.load import Load, sign_in, summary
from tests.faults.servers import app_environment, app_servers, manage
from tests.faults.test_postgres_outage import SETUP

WRITERS = 8
SECONDS = 6


@pytest.fixture
def on_sqlite(db):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite writers test runs in the SQLite run")


def test_concurrent_writers_on_sqlite_lose_nothing(on_sqlite, tmp_path):
    environment = app_environment(
        tmp_path,
        POST_RATE_LIMIT="1000/60",
        NEW_ACCOUNT_POST_RATE_LIMIT="1000/60",
    )
    environment.pop("WEB_CONCURRENCY", None)
    environment.pop("GUNICORN_THREADS", None)
    manage(environment, "migrate", "--noinput", "-v0")
    manage(environment, "collectstatic", "--noinput", "-v0")
    thread_id, thread_url = manage(environment, "shell", "-c", SETUP).split()[-2:]
    thread = type("Thread", (), {"pk": int(thread_id)})
    log = tmp_path / "gunicorn.log"

    with app_servers(environment, log=log) as (server,):
        members = [
            type("Member", (), {"username": name})
            for name in ("ada", "brook", "cyd", "dee")
        ]
        sessions = [sign_in(server, member) for member in members]
        load = Load(pause=0)
        # A burst: every writer's first reply at the same moment.
        start = threading.Barrier(WRITERS)
        for number in range(WRITERS):
            cookies = sessions[number % len(sessions)]

            def write(cookies=cookies):
                start.wait(timeout=30)
                deadline = time.monotonic() + SECONDS
                while time.monotonic() < deadline:
                    load.reply(server, cookies, thread)

            load._start(write)
        load.guest(server, ["/", thread_url])
        time.sleep(SECONDS + 1)
        load.stop()
        replies = load.select(what="reply")
        print("\nSQLite,", WRITERS, "writers:", summary(load, None))
        assert len(replies) > 50
        assert all(record.ok for record in replies), summary(load, None)
        assert all(record.ok for record in load.select(who="guest"))

        acknowledged = [record.body for record in replies]
        page_bodies = manage(
            environment,
            "shell",
            "-c",
            "from forum.models import Post, Thread\n"
            f"thread = Thread.objects.get(pk={thread.pk})\n"
            "posts = list(thread.posts.order_by('position'))\n"
            "assert [p.position for p in posts] == list(range(1, len(posts) + 1))\n"
            "assert thread.post_count == len(posts)\n"
            "for p in posts: print('post:', p.body_source)",
        ).splitlines()
        page_bodies = [
            line.removeprefix("post: ") for line in page_bodies if line[:6] == "post: "
        ]
    assert sorted(page_bodies) == sorted([*acknowledged, "Opening"])
    assert "database is locked" not in log.read_text()
