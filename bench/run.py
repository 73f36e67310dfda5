"""The load benchmark behind `make bench`: writes bench/RESULTS.md.

1. Recreates a PostgreSQL database of its own (BENCH_DATABASE, default
   forum_bench), migrates, collects static files and generates the large data
   set with seed_demo (BENCH_THREADS, BENCH_POSTS, BENCH_HOT, BENCH_USERS).
2. Measures, in this process with Django's test client, the SQL queries and
   HTML bytes of each scenario (guest pages: a cache miss and a cache hit).
3. Serves the project with gunicorn (BENCH_WORKERS sync workers, DEBUG off) on
   127.0.0.1:BENCH_PORT, Redis as the cache when it answers (BENCH_REDIS_URL).
4. Drives each scenario with wrk (BENCH_CONNECTIONS connections) for
   BENCH_SECONDS after BENCH_WARMUP seconds of warm-up, the trivial 30 KB view
   (/bench/ceiling/) first, then replies posted by several members at once,
   then checks counters and positions with SQL, then the trivial view again
   (the ratios use the better of its two runs).
5. Records each worker's resident memory, stops the server, writes the table.

Everything listens on and talks to 127.0.0.1 only, and each wrk run is bounded.
"""

import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from inprocess import POSTERS, measure_cpu, measure_queries, prepare_in_process

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
sys.path.insert(0, str(PROJECT_DIR))  # run as a script from bench/


def env(name, default):
    return os.environ.get(name) or default


DATABASE = env("BENCH_DATABASE", "forum_bench")
PG_SERVER = env("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
THREADS = int(env("BENCH_THREADS", "2000"))
POSTS = int(env("BENCH_POSTS", "100000"))
HOT = int(env("BENCH_HOT", "5000"))
USERS = int(env("BENCH_USERS", "500"))
SECONDS = int(env("BENCH_SECONDS", "15"))
WARMUP = int(env("BENCH_WARMUP", "3"))
CONNECTIONS = int(env("BENCH_CONNECTIONS", "16"))
WORKERS = int(env("BENCH_WORKERS", "4"))
PORT = int(env("BENCH_PORT", "8041"))
REDIS_URL = env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
RESULTS = Path(env("BENCH_RESULTS", str(BENCH_DIR / "RESULTS.md")))
BASE = f"http://127.0.0.1:{PORT}"


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def redis_answers(url) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except Exception:  # noqa: BLE001 - any failure means "no Redis"
        return False


def server_environment(var_dir: Path, use_redis: bool, prefix: str) -> dict:
    environment = {
        **os.environ,
        "DATABASE_URL": f"{PG_SERVER}/{DATABASE}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "BENCH_CEILING_VIEW": "1",
        "VAR_DIR": str(var_dir),
        "POST_RATE_LIMIT": "1000000/60",
        "NEW_ACCOUNT_POST_RATE_LIMIT": "1000000/60",
        "SEARCH_RATE_LIMIT": "1000000/60",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    environment.pop("PYTEST_VERSION", None)
    if use_redis:
        environment["REDIS_URL"] = REDIS_URL
        environment["CACHE_KEY_PREFIX"] = prefix
    else:
        environment.pop("REDIS_URL", None)
    return environment


def manage(environment, *args):
    subprocess.run(  # noqa: S603 - our interpreter, our manage.py
        [PYTHON, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=environment,
        check=True,
        timeout=900,
    )


def recreate_database():
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def drop_cache_keys(prefix):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


# In-process measurements (the same settings as the server).


# The server and the load.


def start_server(environment):
    environment = {
        **environment,
        "BIND": f"127.0.0.1:{PORT}",
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_THREADS": "1",
    }
    process = subprocess.Popen(  # noqa: S603 - our gunicorn, our config
        [GUNICORN, "config.wsgi", "-c", "config/gunicorn.py"],
        cwd=PROJECT_DIR,
        env=environment,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{BASE}/bench/ceiling/", timeout=2)  # noqa: S310
            return process
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    process.kill()
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def worker_memory(process) -> list[int]:
    """Resident size (MB) of each worker, from /proc."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    sizes = []
    for pid in children.read_text().split():
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(round(int(line.split()[1]) / 1024))
    return sizes


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def wrk(url, *, seconds, threads=2, connections=CONNECTIONS, headers=(), script=None):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    output = subprocess.run(  # noqa: S603 - wrk on loopback, bounded by -d
        [*command, BASE + url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        "p99": milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        "errors": int(errors.group(1)) if errors else 0,
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
    }


REPLY_SCRIPT = """
-- Each wrk thread posts as its own member; every body is different (no
-- double-submit), and the CSRF cookie and field carry the same token.
local members = {%(members)s}
local counter = 0
local next_member = 1
function setup(thread)
  thread:set("session", members[next_member])
  thread:set("number", next_member)
  next_member = next_member + 1
end
function init(args)
  token = "%(token)s"
end
function request()
  counter = counter + 1
  local body = "csrfmiddlewaretoken=" .. token .. "&body=Bench+reply+" .. number
    .. "+" .. counter .. "+" .. math.random(1000000000)
  return wrk.format("POST", nil, {
    ["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. token,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
"""


def check_replies(plan, before):
    """Counters and positions after the replies, checked in SQL.

    One REPEATABLE READ snapshot: a reply still in flight when wrk stops may
    commit between two of these queries, and must not look like a wrong count.
    """
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute(
            "SELECT count(*), min(position), max(position), count(DISTINCT position)"
            " FROM forum_post WHERE thread_id = %s",
            [plan["hot_pk"]],
        )
        count, low, high, distinct = cursor.fetchone()
        cursor.execute(
            "SELECT post_count, last_position, last_post_id FROM forum_thread"
            " WHERE id = %s",
            [plan["hot_pk"]],
        )
        post_count, last_position, last_post_id = cursor.fetchone()
        cursor.execute(
            "SELECT id FROM forum_post WHERE thread_id = %s ORDER BY position DESC"
            " LIMIT 1",
            [plan["hot_pk"]],
        )
        (newest,) = cursor.fetchone()
        cursor.execute(
            "SELECT c.post_count, (SELECT count(*) FROM forum_post p JOIN"
            " forum_thread t ON p.thread_id = t.id WHERE t.category_id = c.id)"
            " FROM forum_category c WHERE c.id = %s",
            [plan["hot_category"]],
        )
        category_count, category_real = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM accounts_user u WHERE u.post_count <>"
            " (SELECT count(*) FROM forum_post p WHERE p.author_id = u.id)"
        )
        (wrong_users,) = cursor.fetchone()
    checks = {
        "positions 1..N without gap or duplicate": low == 1
        and high == count == distinct,
        "thread post_count and last_position": post_count == count
        and last_position == high,
        "thread last_post is the newest": last_post_id == newest,
        "category post_count": category_count == category_real,
        "members' post_count": wrong_users == 0,
    }
    return {"new_posts": count - before, "checks": checks}


def hot_thread_post_count(plan):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM forum_post WHERE thread_id = %s", [plan["hot_pk"]]
        )
        return cursor.fetchone()[0]


def versions(use_redis):
    import django

    wrk_version = subprocess.run(
        ["wrk", "-v"],  # noqa: S607 - found on PATH, checked in main()
        capture_output=True,
        text=True,
        timeout=10,
    )
    wrk_line = (wrk_version.stdout or wrk_version.stderr or "wrk ?").splitlines()[0]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    import gunicorn

    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) // 1024} MB"
    redis_version = "not used (local memory)"
    if use_redis:
        import redis

        redis_version = redis.Redis.from_url(REDIS_URL).info()["redis_version"]
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory": memory,
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
        "redis": redis_version,
        "gunicorn": gunicorn.__version__,
        "wrk": " ".join(wrk_line.split()[:2]),
        "kernel": platform.release(),
    }


# The report.

SCENARIOS = [
    ("ceiling", "Trivial view, constant 30 KB (the ceiling)", "ceiling"),
    ("board", "Board index (guest)", "board"),
    ("category", "Category page (guest)", "category"),
    ("thread", "Hot thread, page 1 (guest)", "thread"),
    ("last_page", "Hot thread, last page (guest)", "last_page"),
    ("permalink", "Permalink redirect (guest)", "permalink"),
    ("search", "Search (guest)", "search"),
    ("member_thread", "Hot thread, page 1 (signed in)", "thread"),
    ("replies", f"Replies, {POSTERS} members at once (posts/s)", "reply"),
]


def write_results(machine, figures, load, memory, replies, notes, started, cpu):
    ceiling = load["ceiling"]["rps"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (bench/run.py) on {started:%Y-%m-%d %H:%M} UTC, in"
        f" {(datetime.now(UTC) - started).seconds // 60} minutes.",
        "",
        f"- Machine: {machine['cores']} cores ({machine['cpu']}), {machine['memory']}"
        f" RAM, Linux {machine['kernel']}",
        f"- Python {machine['python']}, Django {machine['django']}, PostgreSQL"
        f" {machine['postgresql']}, Redis {machine['redis']}, gunicorn"
        f" {machine['gunicorn']} ({WORKERS} sync workers), {machine['wrk']}",
        f"- Data: {THREADS:,} threads, {POSTS:,} posts, a hot thread of {HOT:,} posts,"
        f" {USERS} members (seed_demo)",
        f"- Load: wrk, {CONNECTIONS} connections, {SECONDS} s per scenario after"
        f" {WARMUP} s of warm-up, all on 127.0.0.1 (wrk shares the cores)",
        "",
        "Queries are per request, measured separately with Django's test client;"
        ' for guest pages "miss / hit" is a render and a page-cache hit, for the'
        " signed-in page a render of the member's own and a hit on the rendering"
        " members share (pagecache/). CPU µs is the time Django alone spends on"
        " a request in one process, the WSGI application called directly (no"
        " network, no gunicorn, no wrk; best of 5 rounds of 300): steadier than"
        " req/s on a shared machine, and it shows what is ours in the figures.",
        "",
        "| scenario | req/s | of ceiling | median ms | p99 ms | queries | HTML bytes"
        " | CPU µs |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, label, _ in SCENARIOS:
        figure = figures.get(name, {})
        result = load.get(name)
        if result is None:
            lines.append(f"| {label} | skipped | | | | | | |")
            continue
        queries = str(figure.get("queries", ""))
        if "hit_queries" in figure and name != "ceiling":
            queries = f"{figure['queries']} / {figure['hit_queries']}"
        ratio = "" if name == "replies" else f"{result['rps'] / ceiling:.0%}"
        html = f"{figure['bytes']:,}" if figure.get("bytes") else ""
        errors = f" ({result['errors']} errors)" if result["errors"] else ""
        used = f"{cpu[name]:,.0f}" if name in cpu else ""
        lines.append(
            f"| {label} | {result['rps']:,.0f}{errors} | {ratio} | {result['p50']:.1f}"
            f" | {result['p99']:.1f} | {queries} | {html} | {used} |"
        )
    lines += [
        "",
        f"Worker memory after the run (RSS): {', '.join(f'{m} MB' for m in memory)}.",
        "",
    ]
    if replies:
        lines.append(
            f"Replies: {replies['new_posts']:,} posts written to the hot thread; checks"
            " after the run:"
        )
        lines += [
            f"- {name}: {'ok' if ok else 'WRONG'}"
            for name, ok in replies["checks"].items()
        ]
        lines.append("")
    lines += [f"Note: {note}" for note in notes]
    RESULTS.write_text("\n".join(lines).rstrip() + "\n")
    log(f"wrote {RESULTS}")


def main():
    started = datetime.now(UTC)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (bench/run.sh does).")
    use_redis = redis_answers(REDIS_URL)
    prefix = f"bench-{secrets.token_hex(4)}"
    notes = []
    if not use_redis:
        notes.append(
            f"Redis did not answer at {REDIS_URL}: local-memory cache, so each worker"
            " has its own page cache and sessions are not cached."
        )
    var_dir = Path(tempfile.mkdtemp(prefix="forum-bench-"))
    environment = server_environment(var_dir, use_redis, prefix)
    os.environ.update(environment)
    for name in ("REDIS_URL", "CACHE_KEY_PREFIX"):
        if name not in environment:
            os.environ.pop(name, None)

    try:
        run_scenarios(environment, var_dir, use_redis, notes, started)
    finally:
        if use_redis:
            drop_cache_keys(prefix)
        shutil.rmtree(var_dir, ignore_errors=True)


def run_scenarios(environment, var_dir, use_redis, notes, started):
    log(f"recreating database {DATABASE}")
    recreate_database()
    manage(environment, "migrate", "--noinput", "-v0")
    manage(environment, "collectstatic", "--noinput", "-v0")
    log(f"seeding {THREADS} threads, {POSTS} posts (hot thread {HOT})")
    manage(
        environment,
        "seed_demo",
        f"--threads={THREADS}",
        f"--posts={POSTS}",
        f"--hot={HOT}",
        f"--users={USERS}",
    )
    plan = prepare_in_process()
    figures = measure_queries(plan)
    log("queries: " + json.dumps(figures))
    cpu = measure_cpu(plan)
    log("CPU per request (us): " + json.dumps(cpu))
    machine = versions(use_redis)

    server = start_server(environment)
    load_average = [os.getloadavg()[0]]
    load, memory, replies = {}, [], None
    try:
        for name, label, url_name in SCENARIOS:
            url = plan["urls"][url_name]
            headers, script = [], None
            if name == "search" and figures["search"]["status"] == 404:
                notes.append("Search: /search/ answers 404 in this tree; skipped.")
                continue
            if name == "member_thread":
                # A browser's cookies after its first page: session and CSRF.
                session = plan["members"][0]["session"]
                token = secrets.token_hex(16)
                headers = [f"Cookie: sessionid={session}; csrftoken={token}"]
            threads = 2
            if name == "replies":
                script_file = var_dir / "reply.lua"
                script_file.write_text(
                    REPLY_SCRIPT
                    % {
                        "members": ", ".join(
                            f'"{m["session"]}"' for m in plan["members"]
                        ),
                        "token": secrets.token_hex(16),
                    }
                )
                script, threads = str(script_file), POSTERS
                before = hot_thread_post_count(plan)
            else:
                wrk(url, seconds=WARMUP, headers=headers)
            log(f"{label}: {SECONDS} s")
            load[name] = wrk(
                url, seconds=SECONDS, threads=threads, headers=headers, script=script
            )
            log(f"  {json.dumps(load[name])}")
            if name == "replies":
                replies = check_replies(plan, before)
                log(f"  {json.dumps(replies)}")
        # The ceiling again, last: one noisy run must not flatter the ratios.
        wrk(plan["urls"]["ceiling"], seconds=WARMUP)
        log(f"the ceiling again: {SECONDS} s")
        again = wrk(plan["urls"]["ceiling"], seconds=SECONDS)
        log(f"  {json.dumps(again)}")
        notes.append(
            f"The ceiling ran first and again last: {load['ceiling']['rps']:,.0f}"
            f" and {again['rps']:,.0f} req/s; the ratios use the higher."
        )
        load["ceiling"] = max(load["ceiling"], again, key=lambda run: run["rps"])
        memory = worker_memory(server)
        load_average.append(os.getloadavg()[0])
    finally:
        stop_server(server)
    notes.append(
        "Load average (1 min) before and after the load: "
        + ", ".join(f"{value:.1f}" for value in load_average)
        + f" on {os.cpu_count()} cores; above the core count, other work shared"
        " the machine and the figures are noisy."
    )
    write_results(machine, figures, load, memory, replies, notes, started, cpu)


if __name__ == "__main__":
    main()
