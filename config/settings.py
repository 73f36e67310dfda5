"""
Settings for the forum: one module, driven by environment variables.

Every variable is listed, with its default, in README.md ("Configuration").

Development and production differ in one switch, DEBUG (off unless DEBUG=1;
`make run` sets it). The signing key is the one exception: SECRET_KEY from the
environment, else the key in var/secret_key, which development (DEBUG on, or the
test suite) generates once. So on a clone where `make run` has run, every
`manage.py` command works without DEBUG or SECRET_KEY; taking the key from the file
changes nothing else (DEBUG stays off, no hosts are allowed by default, cookies stay
secure), and serving refuses it: config/gunicorn.py wants SECRET_KEY in the
environment, so a production server never runs on a key nobody set.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean from the environment: 1/true/yes/on are true."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list from the environment."""
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_rate(name: str, default: str) -> str:
    """Read a rate limit written "count/seconds", e.g. "10/60"."""
    value = os.environ.get(name) or default
    count, _, seconds = value.partition("/")
    if not (count.isdigit() and seconds.isdigit() and int(seconds) > 0):
        raise ImproperlyConfigured(f"{name} must look like 10/60, not {value!r}")
    return value


def env_int(name: str, default: int) -> int:
    """Read an integer from the environment."""
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{name} must be an integer, not {value!r}"
        ) from error


def env_float(name: str, default: float) -> float:
    """Read a number (seconds, say) from the environment."""
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return float(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from error


# Files the running site writes (SQLite database, dev secret key, dev mail).
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# pytest sets PYTEST_VERSION; the suite runs with DEBUG off but needs no real key.
_DEVELOPMENT = DEBUG or "PYTEST_VERSION" in os.environ


def _file_secret_key() -> str:
    """The key kept in var/secret_key, generated there once in development."""
    key_file = VAR_DIR / "secret_key"
    if _DEVELOPMENT and not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    key = key_file.read_text().strip() if key_file.exists() else ""
    if not key:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off and var/secret_key does not "
            "exist (`make run` creates it; see README, Configuration)."
        )
    return key


SECRET_KEY = os.environ.get("SECRET_KEY") or _file_secret_key()

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if _DEVELOPMENT else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])


def _site_url() -> str:
    """The site's address for links in e-mails: SITE_URL, else made from the
    first ALLOWED_HOSTS entry that names one host (http, port 8000, in
    development; https otherwise). Empty only when no host is allowed at all.
    """
    value = os.environ.get("SITE_URL", "").strip()
    if not value:
        hosts = [h for h in ALLOWED_HOSTS if h != "*" and not h.startswith(".")]
        if not hosts:
            if ALLOWED_HOSTS and not _DEVELOPMENT:
                raise ImproperlyConfigured(
                    "SITE_URL must be set when ALLOWED_HOSTS names no single host."
                )
            hosts = ["127.0.0.1"] if _DEVELOPMENT else [""]
        if not hosts[0]:
            return ""
        value = f"http://{hosts[0]}:8000" if _DEVELOPMENT else f"https://{hosts[0]}"
    parts = urlsplit(value)
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
    ):
        raise ImproperlyConfigured(
            f"SITE_URL must look like https://forum.example.org, not {value!r}"
        )
    return f"{parts.scheme}://{parts.netloc}"


# Links in e-mails use this address, never the request's Host header; the Sites
# row (SITE_ID) is set to its host at every `migrate` (accounts.site).
SITE_URL = _site_url()

SITE_NAME = os.environ.get("SITE_NAME", "Agora")

INSTALLED_APPS = [
    "forum.admin_config.AdminConfig",  # django.contrib.admin, checked input
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    # Full-text search fields and lookups; harmless on SQLite (see forum.search).
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    # The database-backed task backend and its `db_worker` command.
    "django_tasks_db",
    "accounts",
    "forum",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "forum.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Stored guest pages and members' shared pages answer here (pagecache/):
    # what follows (the member's row, messages, the view) a hit needs not.
    "pagecache.middleware.CachedPagesMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "forum.context_processors.site",
                "forum.context_processors.moderation",
                # Last: on a page members share, the CSRF token is a marker.
                "pagecache.members.shared_page_context",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes writers queue for the lock instead of failing with
    # "database is locked"; WAL lets readers go on while one writer writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server fails a request (503, config/errors.py) within
    # seconds, not after the system's TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared by all app servers), else local memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    _redis_cache = {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "forum"),
        # Fail soft (config/cache.py): a call waits at most REDIS_TIMEOUT for
        # Redis; after a failure Redis is skipped for REDIS_RETRY_SECONDS, with
        # rate-limit counters (allauth's, forum/throttle.py's) kept per process.
        "OPTIONS": {
            "socket_connect_timeout": env_float("REDIS_TIMEOUT", 0.25),
            "socket_timeout": env_float("REDIS_TIMEOUT", 0.25),
            "RETRY_SECONDS": env_float("REDIS_RETRY_SECONDS", 5),
            "LOCAL_KEY_PREFIXES": ["allauth:rl:", "post-rate:", "search-rate:"],
        },
    }
    # "pages": stored pages; "page_state": their versions, members' cards and
    # post fragments (pagecache/); all in the same Redis, which evicts by LRU.
    CACHES = {
        "default": _redis_cache,
        "pages": _redis_cache,
        "page_state": _redis_cache,
    }
else:
    CACHES = {
        # Rate-limit counters (allauth's and ours), and nothing a visitor can
        # make many of: page entries can never evict a counter.
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        },
        # Stored pages, 60-70 KB each: a bound on the process's memory.
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "OPTIONS": {"MAX_ENTRIES": 1_000},
        },
        # Page versions, members' cards, post fragments: small entries.
        "page_state": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "page_state",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        },
    }
# Guests' pages are served from that cache for up to this long (0: off); every
# write makes the pages it affects stale at once (forum/cache.py).
GUEST_PAGE_CACHE_SECONDS = env_int("GUEST_PAGE_CACHE_SECONDS", 300)
# Which members share thread pages, and what they share (pagecache.members).
PAGECACHE_MEMBER_KIND = "forum.permissions.shared_page_kind"
# Sessions: read from the shared cache, written through to the database. Not
# with the local-memory cache, which other processes could not clear on sign-out.
SESSION_ENGINE = "accounts.cached_sessions" if REDIS_URL else "accounts.sessions"

AUTH_USER_MODEL = "accounts.User"
# allauth's backend alone (a second one would hash a wrong password twice),
# loading a session's member with the permission facts in one query.
AUTHENTICATION_BACKENDS = ["accounts.backends.AuthenticationBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

# django-allauth: username or e-mail to sign in, verified e-mail to take part.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
# A decoy field that people never see (hidden by the `honeypot` class); bots fill
# it in and get a fake "verification sent" page, with no account made.
ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD = "website"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False  # a link, not a code
# Confirming the link in the browser that signed up signs the person in and
# returns them to the page they came from (the `next` kept with the pending login).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# One address per member: a new address replaces the old only once confirmed.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
# Action names as in allauth.account.app_settings.RATE_LIMITS; "m" is a minute.
# Too many sign-in or sign-up attempts are answered by templates/429.html; too many
# failed sign-ins for one username or address by a form error.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}

SITE_ID = 1

# E-mail: SMTP when EMAIL_HOST is set, otherwise files under var/mail/.
_email_host = os.environ.get("EMAIL_HOST", "")
_email_use_ssl = env_bool("EMAIL_USE_SSL", False)
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", not _email_use_ssl),
                "use_ssl": _email_use_ssl,
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "forum@localhost")

# Background work (django.tasks): stored in the database and run by
# `manage.py db_worker` (make run starts one; docs/deploy.md for production).
# Workers claim tasks with SELECT ... FOR UPDATE SKIP LOCKED, so any number on
# any number of machines can share one PostgreSQL. Tests use the immediate backend.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Images in posts and bios from other hosts: "links" (the default) renders each
# as a link to it, so readers' browsers contact no third party; "show" embeds
# them. Stored HTML follows a change after `manage.py rerender_posts`.
REMOTE_IMAGES = os.environ.get("REMOTE_IMAGES", "links").strip().lower() or "links"
if REMOTE_IMAGES not in {"links", "show"}:
    raise ImproperlyConfigured(
        f"REMOTE_IMAGES must be links or show, not {REMOTE_IMAGES!r}"
    )

# Security headers. Scripts only from our own static files, never inline.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # Other hosts' images only when posts may show them.
    "img-src": [CSP.SELF, "data:", *(["https:"] if REMOTE_IMAGES == "show" else [])],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not _DEVELOPMENT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Proxies in front that append to X-Forwarded-For: the client address (for rate
# limits) is then read that many hops from the right. 0 trusts REMOTE_ADDR only.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
_BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", False)
if _BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only (production behind an HTTPS proxy, unless HTTPS_REDIRECT says
# otherwise): plain http:// requests are redirected to https://, and HTTPS
# answers carry Strict-Transport-Security, so browsers stop trying http://.
SECURE_SSL_REDIRECT = env_bool(
    "HTTPS_REDIRECT", _BEHIND_HTTPS_PROXY and not _DEVELOPMENT
)
SECURE_HSTS_SECONDS = env_int(
    "HSTS_SECONDS", 365 * 24 * 3600 if SECURE_SSL_REDIRECT else 0
)
# The proxy's health check (docs/deploy.md) may ask over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^terms/$"]

# Forum knobs.
POSTS_PER_PAGE = 20
THREADS_PER_PAGE = 25
# Posts (threads and replies) a member may write: "count/seconds".
POST_RATE_LIMIT = env_rate("POST_RATE_LIMIT", "10/60")
# Stricter for accounts younger than a day. Saved edits are limited by the same
# two, counted apart from posts.
NEW_ACCOUNT_POST_RATE_LIMIT = env_rate("NEW_ACCOUNT_POST_RATE_LIMIT", "3/60")
# Previews a member may ask for (of posts, replies and edits): "count/seconds".
PREVIEW_RATE_LIMIT = env_rate("PREVIEW_RATE_LIMIT", "30/60")
# Searches a guest (per client address) may run: "count/seconds".
SEARCH_RATE_LIMIT = env_rate("SEARCH_RATE_LIMIT", "30/60")
# Avatar uploads a member may make (each is decoded and scaled): "count/seconds".
AVATAR_RATE_LIMIT = env_rate("AVATAR_RATE_LIMIT", "5/3600")
# Searches a signed-in member may run: more than a guest address, not unlimited
# (a search costs what a guest's does).
MEMBER_SEARCH_RATE_LIMIT = env_rate("MEMBER_SEARCH_RATE_LIMIT", "60/60")
# Reports a member may send: "count/seconds".
REPORT_RATE_LIMIT = env_rate("REPORT_RATE_LIMIT", "10/600")

# /bench/ceiling/, a constant 30 KB page: the yardstick of `make bench` only.
BENCH_CEILING_VIEW = env_bool("BENCH_CEILING_VIEW", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
# Approval queue (0 = off): hold the first N posts of every account, and posts
# with more than M links from accounts younger than a day, for a moderator.
APPROVAL_FIRST_POSTS = env_int("APPROVAL_FIRST_POSTS", 0)
APPROVAL_MAX_LINKS = env_int("APPROVAL_MAX_LINKS", 0)
