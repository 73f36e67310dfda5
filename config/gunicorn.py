"""gunicorn settings for `make serve` and `make bench` (`-c config/gunicorn.py`).

Environment: `BIND` (default 127.0.0.1:8000), `WEB_CONCURRENCY` (workers) and
`GUNICORN_THREADS`. With `REDIS_URL` set, cache-held state (guest page versions,
rate limits, sessions) is shared, so workers follow the cores: 2 x cores + 1,
sync. Without it the cache is local to a process, so one process serves, with
a thread per core and two more.
"""

import multiprocessing
import os

# The settings fall back on var/secret_key so that `manage.py` works on a clone
# after `make run`; a served site takes its key from the environment only.
_debug = os.environ.get("DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}
if not os.environ.get("SECRET_KEY") and not _debug:
    raise SystemExit("SECRET_KEY must be set to serve (see README, Serving).")

_cores = multiprocessing.cpu_count()
_shared_cache = bool(os.environ.get("REDIS_URL"))

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(
    os.environ.get("WEB_CONCURRENCY") or (2 * _cores + 1 if _shared_cache else 1)
)
threads = int(
    os.environ.get("GUNICORN_THREADS") or (1 if _shared_cache else _cores + 2)
)
worker_class = "gthread" if threads > 1 else "sync"
# Load the project once, before forking: workers share its memory pages.
preload_app = True
# Behind a reverse proxy that keeps connections to us open.
keepalive = 5
# Recycle a worker now and then so that no slow leak grows without bound.
max_requests = 10000
max_requests_jitter = 1000
timeout = 30
graceful_timeout = 20
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# gunicorn's control socket has one default path per user: several servers on
# one machine (the benchmark, the two-server test) would take it from each other.
control_socket_disable = True
