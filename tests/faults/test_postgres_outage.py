"""PostgreSQL restarted, then stopped for a few seconds, while members post
through two app servers.

A PostgreSQL of the test's own (initdb, on a spare port, in a temporary
directory) and two gunicorn processes on it. Its server is restarted (a fast
shutdown, then started again at once), and later stopped for STOPPED seconds.
Throughout: every acknowledged reply exists exactly once, and no reply twice;
positions stay gapless and the counters exact; requests that fail meanwhile get
the styled 503 page with Retry-After, quickly; and each server serves again by
itself within about a second of PostgreSQL accepting connections.

Runs in the PostgreSQL run only (CI's fails rather than skips without the
PostgreSQL binaries); the servers use no Redis, since a lost database is what
is tried here.
"""

import os
import time

import psycopg
import pytest
from django.db import connection

from tests.faults.load import Load, sign_in, summary
from tests.faults.servers import (
    PostgresServer,
    app_environment,
    app_servers,
    manage,
    spare_port,
)

STOPPED = 4
pytestmark = pytest.mark.postgresql

SETUP = """
from allauth.account.models import EmailAddress
from accounts.models import User
from forum import actions
from forum.models import Category

members = []
for name in ("ada", "brook", "cyd", "dee"):
    member = User.objects.create_user(
        name, email=f"{name}@x.test", password="faults survived, posts kept"
    )
    EmailAddress.objects.create(
        user=member, email=member.email, verified=True, primary=True
    )
    members.append(member)
category = Category.objects.create(name="Outages", slug="outages")
thread = actions.create_thread(
    category=category, author=members[0], title="Busy", body="Opening"
)
print(thread.pk, thread.get_absolute_url())
"""


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_DATABASE_VENDOR") == "postgresql":
            pytest.fail("the PostgreSQL fault test runs in the PostgreSQL run")
        pytest.skip("the PostgreSQL fault test runs in the PostgreSQL run")
    server = PostgresServer(spare_port())
    try:
        server.initialise()
        server.start()
        wait_for_database(server, 30)
        with psycopg.connect(server.url("postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE forum")
        yield server
    finally:
        server.remove()


def wait_for_database(server, seconds) -> float:
    """Wait until PostgreSQL accepts a connection and a query; when it did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(server.url("postgres"), connect_timeout=2) as probe:
                probe.execute("SELECT 1")
            return time.monotonic()
        except psycopg.OperationalError:
            time.sleep(0.02)
    pytest.fail(f"PostgreSQL did not accept connections within {seconds} s")


def wait_for_servers(servers, seconds) -> float:
    """Wait until every server answers a page that reads the database; when."""
    deadline = time.monotonic() + seconds
    waiting = list(servers)
    while waiting and time.monotonic() < deadline:
        for server in list(waiting):
            try:
                if server.get("/")[0] == 200:
                    waiting.remove(server)
            except OSError:
                pass
        if waiting:
            time.sleep(0.02)
    if waiting:
        pytest.fail(f"the app servers did not serve again within {seconds} s")
    return time.monotonic()


def test_posts_survive_a_restarted_and_a_stopped_postgresql(postgres, tmp_path):
    environment = app_environment(
        tmp_path,
        DATABASE_URL=postgres.url(),
        GUEST_PAGE_CACHE_SECONDS="0",
        POST_RATE_LIMIT="1000/60",
        NEW_ACCOUNT_POST_RATE_LIMIT="1000/60",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="4",
    )
    manage(environment, "migrate", "--noinput", "-v0")
    manage(environment, "collectstatic", "--noinput", "-v0")
    output = manage(environment, "shell", "-c", SETUP)
    thread_id, thread_url = output.split()[-2:]
    thread = type("Thread", (), {"pk": int(thread_id)})

    with app_servers(environment, count=2) as servers:
        members = [
            type("Member", (), {"username": name})
            for name in ("ada", "brook", "cyd", "dee")
        ]
        load = Load()
        for number, member in enumerate(members):
            server = servers[number % 2]
            load.member(server, sign_in(server, member), thread, [thread_url])
        for server in servers:
            load.guest(server, ["/", thread_url])
        recoveries = []
        try:
            time.sleep(2)
            for phase, seconds in (("restarted", 0), ("stopped", STOPPED)):
                load.phase = phase
                postgres.stop()
                time.sleep(seconds)
                postgres.start()
                back = wait_for_database(postgres, 30)
                recoveries.append(wait_for_servers(servers, 10) - back)
                load.phase = f"after {phase}"
                time.sleep(2)
        finally:
            load.stop()

    print("\nPostgreSQL restarted:", summary(load, {"restarted"}))
    print("PostgreSQL stopped:", summary(load, {"stopped"}))
    around_phases = {"before", "after restarted", "after stopped"}
    print("Around it:", summary(load, around_phases, within=True))
    print("Served again, seconds after PostgreSQL was back:", recoveries)

    # During the outages: the 503 page with Retry-After, quickly; never a 500.
    outage = load.select(phases={"restarted", "stopped"})
    failed = [record for record in outage if not record.ok]
    assert failed, "no request met the outage"
    assert {record.status for record in failed} == {503}
    assert all(record.retry_after == "5" for record in failed)
    assert all(b"Back in a moment" in record.page for record in failed)
    assert max(record.seconds for record in failed) < 1
    # Around them, everything succeeds.
    around = load.select(phases=around_phases, within=True)
    assert all(record.ok for record in around), summary(
        load, around_phases, within=True
    )
    assert max(recoveries) < 1.5, recoveries

    acknowledged = [r.body for r in load.select(what="reply") if r.ok]
    sent = [r.body for r in load.select(what="reply")]
    with psycopg.connect(postgres.url()) as database:
        rows = database.execute(
            "SELECT body_source, position FROM forum_post WHERE thread_id = %s",
            [thread.pk],
        ).fetchall()
        bodies = [body for body, _ in rows]
        for body in acknowledged:
            assert bodies.count(body) == 1, body
        assert len(bodies) == len(set(bodies))
        assert set(bodies) <= {*sent, "Opening"}
        assert sorted(position for _, position in rows) == list(range(1, len(rows) + 1))
        # Counters equal what they count.
        (thread_posts, last_position) = database.execute(
            "SELECT post_count, last_position FROM forum_thread WHERE id = %s",
            [thread.pk],
        ).fetchone()
        assert thread_posts == last_position == len(rows)
        (category_posts,) = database.execute(
            "SELECT post_count FROM forum_category WHERE slug = 'outages'"
        ).fetchone()
        assert category_posts == len(rows)
        members_counts = dict(
            database.execute("SELECT username, post_count FROM accounts_user")
        )
        by_author = dict(
            database.execute(
                "SELECT u.username, count(p.id) FROM accounts_user u"
                " LEFT JOIN forum_post p ON p.author_id = u.id GROUP BY u.username"
            )
        )
        assert members_counts == by_author
    print(
        f"Replies sent {len(sent)}, acknowledged {len(acknowledged)}, stored "
        f"{len(bodies) - 1}, acknowledged and lost 0, duplicated 0"
    )
