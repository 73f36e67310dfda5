"""Processes the fault tests start and stop: a Redis, a PostgreSQL, app servers.

Each on a spare loopback port, in a temporary directory, stopped by its pid
(process group) when the test ends; never the shared services.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from glob import glob
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_two_servers import Server


def spare_port() -> int:
    """A loopback port nobody listens on now (the kernel's pick)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail(f"nothing listens on port {port} after {seconds} s")


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    """Stop a process started with start_new_session, and its children."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGCONT)  # if it was frozen
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class RedisServer:
    """A redis-server of the test's own, without persistence."""

    def __init__(self, port: int):
        self.port = port
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.process = subprocess.Popen(  # noqa: S603 - the system's redis-server
            [binary, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@contextmanager
def redis_server():
    server = RedisServer(spare_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def postgres_binary(name: str) -> str:
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.skip(f"no PostgreSQL {name} under /usr/lib/postgresql/*/bin")
    return found[-1]


def _as_postgres() -> dict:
    """initdb and postgres refuse to run as root: then run them as `postgres`."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root, and there is no postgres user to run as")
    return {"user": "postgres", "group": "postgres", "extra_groups": []}


class PostgresServer:
    """A PostgreSQL cluster of the test's own (initdb, then postgres by pid),
    in a temporary directory that `remove` deletes."""

    def __init__(self, port: int):
        self.directory = Path(tempfile.mkdtemp(prefix="agora-faults-pg-"))
        self.data = self.directory / "data"
        self.port = port
        self.process = None
        self._user = _as_postgres()
        if self._user:
            shutil.chown(self.directory, "postgres", "postgres")

    def url(self, database="forum") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def initialise(self) -> None:
        subprocess.run(  # noqa: S603 - PostgreSQL's own initdb
            [postgres_binary("initdb"), "-D", str(self.data), "-U", "postgres"]
            + ["--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"],
            check=True,
            capture_output=True,
            timeout=120,
            **self._user,
        )

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - PostgreSQL's own server
            [postgres_binary("postgres"), "-D", str(self.data)]
            + ["-p", str(self.port), "-k", str(self.directory), "-h", "127.0.0.1"]
            + ["-c", "fsync=off", "-c", "max_connections=50"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            **self._user,
        )
        wait_for_port(self.port, 30)

    def stop(self) -> None:
        """A fast shutdown (SIGINT): connections are cut, as in a restart."""
        if self.process is not None:
            stop(self.process, signal.SIGINT)
            self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def suite_database_url() -> str:
    """The URL of the suite's (PostgreSQL) test database, for app servers."""
    database = settings.DATABASES["default"]
    credentials = database["USER"] + (
        f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    )
    return (
        f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def app_environment(tmp_path: Path, **overrides) -> dict:
    """The environment of an app server of ours, as in production."""
    environment = {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"},
        "DEBUG": "0",
        "SECRET_KEY": "the same key on every server " * 3,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "GUEST_PAGE_CACHE_SECONDS": "300",
        "VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "LOG_LEVEL": "WARNING",
    }
    environment.pop("REDIS_URL", None)
    environment.pop("DATABASE_URL", None)
    environment.update(overrides)
    return environment


def manage(environment: dict, *arguments: str) -> str:
    """Run a management command for the app servers; its output."""
    result = subprocess.run(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=environment,
        check=False,
        timeout=180,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@contextmanager
def app_servers(environment: dict, count: int = 1, log: Path | None = None):
    """`count` gunicorn processes (config/gunicorn.py) on spare ports; their
    output appended to `log` if given."""
    processes = []
    output = open(log, "ab") if log else None  # noqa: SIM115 - closed below
    try:
        for _ in range(count):
            port = spare_port()
            process = subprocess.Popen(  # noqa: S603 - our gunicorn and config
                [sys.executable, "-m", "gunicorn", "config.wsgi"]
                + ["-c", "config/gunicorn.py"],
                cwd=settings.BASE_DIR,
                env={**environment, "BIND": f"127.0.0.1:{port}"},
                start_new_session=True,
                stdout=output,
                stderr=output,
            )
            processes.append(process)
            wait_for_port(port, 60)
            process.port = port
        yield [Server(process.port) for process in processes]
    finally:
        for process in processes:
            stop(process)
        if output:
            output.close()
