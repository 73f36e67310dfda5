"""Settings are read once, at import, so each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

PROJECT_DIR = Path(django_settings.BASE_DIR)
# Variables the settings read; each case starts without any of them.
SETTINGS_VARIABLES = {
    "SECRET_KEY",
    "DEBUG",
    "PYTEST_VERSION",
    "PYTEST_CURRENT_TEST",
    "DATABASE_URL",
    "REDIS_URL",
    "GUEST_PAGE_CACHE_SECONDS",
    "BENCH_CEILING_VIEW",
    "ALLOWED_HOSTS",
    "EMAIL_HOST",
    "SITE_NAME",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "REMOTE_IMAGES",
    "SITE_URL",
    "BEHIND_HTTPS_PROXY",
    "HTTPS_REDIRECT",
    "HSTS_SECONDS",
}


def run_python(code, tmp_path, **env):
    """Run `code` with config.settings in a clean environment, var/ in tmp_path."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_VARIABLES and not name.startswith("DJANGO_")
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(tmp_path), **env
    )
    return subprocess.run(  # noqa: S603 - a fixed interpreter and our own code
        [sys.executable, "-c", code],
        env=environment,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def read_settings(tmp_path, *names, **env):
    """The named settings as the module computes them for `env`."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, "
        "default=str))"
    )
    result = run_python(code, tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_missing_secret_key_with_debug_off_is_refused(tmp_path):
    """With DEBUG off and no SECRET_KEY, importing the settings raises."""
    result = run_python(
        "import django; from django.conf import settings; settings.SECRET_KEY",
        tmp_path,
    )

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("debug", ["0", "false", "no", ""])
def test_falsy_debug_values_still_require_a_secret_key(tmp_path, debug):
    """DEBUG=0/false/no/empty counts as off: the key is still required."""
    result = run_python(
        "from django.conf import settings; settings.SECRET_KEY", tmp_path, DEBUG=debug
    )

    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_secret_key_from_the_environment_is_used(tmp_path):
    """A SECRET_KEY in the environment is taken as is, and no file is written."""
    values = read_settings(
        tmp_path, "SECRET_KEY", "DEBUG", SECRET_KEY="from-the-environment-" * 3
    )

    assert values == {"SECRET_KEY": "from-the-environment-" * 3, "DEBUG": False}
    assert not (tmp_path / "secret_key").exists()


def test_the_key_make_run_wrote_is_used_without_debug_and_changes_nothing_else(
    tmp_path,
):
    """After `make run`, commands run without DEBUG or SECRET_KEY: the key comes
    from var/secret_key and every other setting keeps its production default."""
    (tmp_path / "secret_key").write_text("written-by-make-run-" * 3 + "\n")

    values = read_settings(
        tmp_path,
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "SESSION_COOKIE_SECURE",
    )

    assert values == {
        "SECRET_KEY": "written-by-make-run-" * 3,
        "DEBUG": False,
        "ALLOWED_HOSTS": [],
        "SESSION_COOKIE_SECURE": True,
    }


@pytest.mark.parametrize(
    ("env", "serves"),
    [({}, False), ({"DEBUG": "1"}, True), ({"SECRET_KEY": "k" * 50}, True)],
)
def test_gunicorn_serves_only_with_a_key_from_the_environment(tmp_path, env, serves):
    """The served site never runs on var/secret_key unless in debug mode."""
    (tmp_path / "secret_key").write_text("written-by-make-run-" * 3)

    result = run_python(
        "import runpy; runpy.run_path('config/gunicorn.py')", tmp_path, **env
    )

    assert (result.returncode == 0) is serves, result.stderr
    if not serves:
        assert "SECRET_KEY must be set to serve" in result.stderr


def test_debug_generates_a_secret_key_once_and_keeps_it(tmp_path):
    """In development the key is generated into var/secret_key and then reused."""
    first = read_settings(tmp_path, "SECRET_KEY", "DEBUG", DEBUG="1")
    second = read_settings(tmp_path, "SECRET_KEY", DEBUG="1")

    key_file = tmp_path / "secret_key"
    assert first["DEBUG"] is True
    assert len(first["SECRET_KEY"]) >= 50
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert key_file.read_text().strip() == first["SECRET_KEY"]
    assert key_file.stat().st_mode & 0o077 == 0


def test_generated_keys_differ_between_installations(tmp_path):
    """Two var/ directories get two different keys."""
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()

    one = read_settings(tmp_path / "one", "SECRET_KEY", DEBUG="1")
    two = read_settings(tmp_path / "two", "SECRET_KEY", DEBUG="1")

    assert one != two


def test_default_database_is_sqlite_under_var_in_wal_mode(tmp_path):
    """Without DATABASE_URL, the database is var/db.sqlite3 with WAL journaling."""
    code = (
        "import django; django.setup(); from django.db import connection; "
        "cursor = connection.cursor(); cursor.execute('PRAGMA journal_mode'); "
        "print(connection.vendor, connection.settings_dict['NAME'], "
        "cursor.fetchone()[0])"
    )

    result = run_python(code, tmp_path, DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sqlite", str(tmp_path / "db.sqlite3"), "wal"]
    assert (tmp_path / "db.sqlite3").exists()


def test_sqlite_options_queue_writers(tmp_path):
    """SQLite writers take the lock up front (IMMEDIATE) and wait for it."""
    values = read_settings(tmp_path, "DATABASES", DEBUG="1")

    options = values["DATABASES"]["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def test_database_url_selects_postgresql(tmp_path):
    """DATABASE_URL=postgres://... configures the PostgreSQL backend."""
    values = read_settings(
        tmp_path,
        "DATABASES",
        DEBUG="1",
        DATABASE_URL="postgres://forum:secret@db.example:5433/forum",
    )

    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == (
        "db.example",
        5433,
        "forum",
    )
    assert "init_command" not in database.get("OPTIONS", {})


@pytest.mark.parametrize(
    ("env", "backend", "location"),
    [
        ({}, "django.core.cache.backends.locmem.LocMemCache", None),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/3"},
            "config.cache.RedisCache",
            "redis://127.0.0.1:6379/3",
        ),
    ],
)
def test_redis_url_switches_the_cache_to_redis(tmp_path, env, backend, location):
    """REDIS_URL selects RedisCache at that address; without it, local memory."""
    values = read_settings(tmp_path, "CACHES", DEBUG="1", **env)

    cache = values["CACHES"]["default"]
    assert cache["BACKEND"] == backend
    assert cache.get("LOCATION") == location
    # Stored pages: the same Redis, or a local cache of its own with a bound.
    pages = values["CACHES"]["pages"]
    assert pages["BACKEND"] == backend
    if location:
        assert pages == cache
    else:
        assert pages["LOCATION"] != cache.get("LOCATION", "")
        assert pages["OPTIONS"]["MAX_ENTRIES"] <= 1_000


def test_production_defaults_are_strict(tmp_path):
    """With DEBUG off: no hosts allowed by default and secure cookies."""
    values = read_settings(
        tmp_path,
        "ALLOWED_HOSTS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        SECRET_KEY="k" * 50,
    )

    assert values == {
        "ALLOWED_HOSTS": [],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


def test_allowed_hosts_and_site_name_come_from_the_environment(tmp_path):
    """ALLOWED_HOSTS is a comma-separated list; SITE_NAME names the forum."""
    values = read_settings(
        tmp_path,
        "ALLOWED_HOSTS",
        "SITE_NAME",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="forum.example, www.forum.example,",
        SITE_NAME="Town Square",
    )

    assert values == {
        "ALLOWED_HOSTS": ["forum.example", "www.forum.example"],
        "SITE_NAME": "Town Square",
    }


@pytest.mark.parametrize(
    ("redis_url", "session_engine"),
    [
        ("", "accounts.sessions"),
        ("redis://127.0.0.1:6379/9", "accounts.cached_sessions"),
    ],
)
def test_sessions_are_cached_only_in_a_shared_cache(
    tmp_path, redis_url, session_engine
):
    """A per-process cache cannot forget a session on sign-out everywhere: no
    cached sessions without Redis."""
    values = read_settings(
        tmp_path,
        "SESSION_ENGINE",
        "GUEST_PAGE_CACHE_SECONDS",
        DEBUG="1",
        REDIS_URL=redis_url,
    )

    assert values == {"SESSION_ENGINE": session_engine, "GUEST_PAGE_CACHE_SECONDS": 300}


def test_ceiling_view_is_off_unless_asked_for(tmp_path):
    """/bench/ceiling/ exists only with BENCH_CEILING_VIEW=1."""
    code = (
        "import django; django.setup(); from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/bench/ceiling/'); print('on')\n"
        "except Resolver404:\n    print('off')"
    )
    assert run_python(code, tmp_path, DEBUG="1").stdout.strip() == "off"
    on = run_python(code, tmp_path, DEBUG="1", BENCH_CEILING_VIEW="1")
    assert on.stdout.strip() == "on", on.stderr


@pytest.mark.parametrize(
    ("value", "expected", "img_src"),
    [
        (None, "links", ["'self'", "data:"]),
        ("links", "links", ["'self'", "data:"]),
        ("Show", "show", ["'self'", "data:", "https:"]),
    ],
)
def test_remote_images_setting_and_the_image_policy(tmp_path, value, expected, img_src):
    """Images from other hosts are links by default, and the policy then lets
    pages load no image from another host; "show" allows https images."""
    env = {"SECRET_KEY": "x"} | ({"REMOTE_IMAGES": value} if value else {})

    values = read_settings(tmp_path, "REMOTE_IMAGES", "SECURE_CSP", **env)

    assert values["REMOTE_IMAGES"] == expected
    assert values["SECURE_CSP"]["img-src"] == img_src


def test_an_unknown_remote_images_value_is_refused(tmp_path):
    result = run_python(
        "from django.conf import settings; settings.REMOTE_IMAGES",
        tmp_path,
        SECRET_KEY="x",
        REMOTE_IMAGES="proxy",
    )

    assert result.returncode != 0
    assert "REMOTE_IMAGES must be links or show" in result.stderr


@pytest.mark.parametrize(
    ("env", "site_url"),
    [
        ({"DEBUG": "1"}, "http://127.0.0.1:8000"),
        ({"DEBUG": "1", "ALLOWED_HOSTS": "*"}, "http://127.0.0.1:8000"),
        (
            {"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": ".example.org,forum.example.org"},
            "https://forum.example.org",
        ),
        (
            {"SECRET_KEY": "k" * 50, "SITE_URL": "http://forum.example:8080/"},
            "http://forum.example:8080",
        ),
        ({"SECRET_KEY": "k" * 50}, ""),
    ],
)
def test_site_url_defaults_to_the_first_allowed_host(tmp_path, env, site_url):
    """Mail links use SITE_URL, else the first single host of ALLOWED_HOSTS."""
    assert read_settings(tmp_path, "SITE_URL", **env) == {"SITE_URL": site_url}


@pytest.mark.parametrize(
    "env",
    [
        {"SITE_URL": "forum.example.org"},
        {"SITE_URL": "ftp://forum.example.org"},
        {"SITE_URL": "https://forum.example.org/forum/"},
        {"ALLOWED_HOSTS": ".example.org"},
    ],
)
def test_a_site_url_that_is_no_address_is_refused(tmp_path, env):
    """A SITE_URL without scheme and host, or with a path, stops the start."""
    result = run_python(
        "from django.conf import settings; settings.SITE_URL",
        tmp_path,
        SECRET_KEY="k" * 50,
        **env,
    )
    assert "SITE_URL must" in result.stderr


@pytest.mark.parametrize(
    ("env", "redirect", "hsts"),
    [
        ({}, False, 0),
        ({"BEHIND_HTTPS_PROXY": "1"}, True, 365 * 24 * 3600),
        ({"BEHIND_HTTPS_PROXY": "1", "HTTPS_REDIRECT": "0"}, False, 0),
        ({"BEHIND_HTTPS_PROXY": "1", "HSTS_SECONDS": "300"}, True, 300),
        ({"HTTPS_REDIRECT": "1"}, True, 365 * 24 * 3600),
        ({"BEHIND_HTTPS_PROXY": "1", "DEBUG": "1"}, False, 0),
    ],
)
def test_https_only_behind_an_https_proxy(tmp_path, env, redirect, hsts):
    """Behind an HTTPS proxy in production: redirect to HTTPS and send HSTS,
    unless HTTPS_REDIRECT or HSTS_SECONDS say otherwise; never in development."""
    values = read_settings(
        tmp_path,
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        **{"SECRET_KEY": "k" * 50, **env},
    )
    assert values == {"SECURE_SSL_REDIRECT": redirect, "SECURE_HSTS_SECONDS": hsts}


HTTPS_CHECK = """
import django; django.setup()
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
middleware = SecurityMiddleware(lambda request: HttpResponse("page"))
https = {"HTTP_X_FORWARDED_PROTO": "https"}
for path, extra in [("/", {}), ("/c/x/?page=2", {}), ("/terms/", {}), ("/", https)]:
    response = middleware(RequestFactory().get(path, **extra))
    print(response.status_code, response.get("Location", "-"),
          response.get("Strict-Transport-Security", "-"))
"""


def test_http_is_redirected_but_the_health_check_is_not(tmp_path):
    """Through the security middleware: plain HTTP answers a redirect to the same
    https:// URL, except the health check's /terms/; HTTPS gets the HSTS header."""
    result = run_python(
        HTTPS_CHECK,
        tmp_path,
        SECRET_KEY="k" * 50,
        BEHIND_HTTPS_PROXY="1",
        ALLOWED_HOSTS="testserver",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "301 https://testserver/ -",
        "301 https://testserver/c/x/?page=2 -",
        "200 - -",
        "200 - max-age=31536000",
    ]
