"""Every command README.md shows works as written on a fresh clone after `make run`.

The commands are read from README's ```sh blocks. Each runs in a subprocess as a
newcomer would type it, without DEBUG, SECRET_KEY or DATABASE_URL, with VAR_DIR in
a temporary directory where `make run`'s own steps (before `runserver`) have
written the database and the development secret key. What cannot run inside a
test (a server, the suite itself, an interactive prompt, placeholders such as
`SECRET_KEY=...`) runs in the closest form that still exercises it, named in
HOW below; a command README gains without an entry there fails the first test.
"""

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from django.core.management import load_command_class

ROOT = Path(__file__).resolve().parents[1]
LARGE_SEED = (
    ".venv/bin/python manage.py seed_demo --threads 2000 --posts 100000 --hot 5000 "
    "--users 500"
)

# README command -> how it is checked: "run" (verbatim), "make -n" (the target
# exists and expands; it serves or runs the suite), or the command run instead.
HOW = {
    "make run": "make -n",
    "make test": "make -n",
    # Interactive: the same command without its prompts.
    ".venv/bin/python manage.py createsuperuser": (
        ".venv/bin/python manage.py createsuperuser --noinput"
    ),
    # 100,000 posts take 20 s: its arguments are parsed as written (below), and
    # the same command runs with small numbers.
    LARGE_SEED: (
        ".venv/bin/python manage.py seed_demo --threads 5 --posts 60 --hot 20 --users 5"
    ),
    ".venv/bin/python manage.py rebuild_search_index": "run",
    # "Running on PostgreSQL" needs a server of the reader's; its migrate runs here
    # on the default database, its `make run` as above.
    "createdb forum": "needs PostgreSQL",
    "export DATABASE_URL=postgres://localhost/forum": "needs PostgreSQL",
    ".venv/bin/python manage.py migrate": "run",
    # Placeholders (SECRET_KEY=...) and a server: the target expands.
    "SECRET_KEY=... ALLOWED_HOSTS=forum.example.org DATABASE_URL=postgres://... "
    "REDIS_URL=redis://127.0.0.1:6379/0 make serve": "make -n",
}


def readme_commands() -> list[str]:
    """The shell commands of README's ```sh blocks, continuations joined and
    trailing comments dropped."""
    text = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            command = " ".join(shlex.split(line, comments=True))
            if command:
                commands.append(command)
    return commands


def newcomer_environment(var_dir: Path) -> dict[str, str]:
    """The machine's environment without what a newcomer would not have set."""
    unset = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in unset
        and not name.startswith(("PYTEST_", "DJANGO_"))
        and name != "VAR_DIR"
    }
    environment["VAR_DIR"] = str(var_dir)
    return environment


def shell(command: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - README's commands, in our checkout
        ["/bin/sh", "-c", command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def after_make_run(tmp_path_factory):
    """A VAR_DIR as `make run` leaves it: its manage.py steps, runserver aside."""
    var_dir = tmp_path_factory.mktemp("var")
    environment = newcomer_environment(var_dir)
    expanded = shell("make -n run", environment)
    assert expanded.returncode == 0, expanded.stderr
    steps = [
        line
        for line in expanded.stdout.splitlines()
        if "manage.py" in line and "runserver" not in line
    ]
    assert len(steps) == 2, expanded.stdout
    for step in steps:
        done = shell(step, environment)
        assert done.returncode == 0, done.stderr
    assert (var_dir / "secret_key").exists()
    return environment


def test_every_readme_command_is_checked_here():
    """A command added to README needs its line in HOW."""
    assert sorted(set(readme_commands())) == sorted(HOW)


@pytest.mark.parametrize(
    "command", [c for c in HOW if HOW[c] != "needs PostgreSQL"], ids=str
)
def test_readme_command_works_without_debug_or_secret_key(after_make_run, command):
    """Each command (or its stated stand-in) exits 0 with DEBUG and SECRET_KEY unset."""
    how = HOW[command]
    environment = dict(after_make_run)
    if how == "make -n":
        words = shlex.split(command)
        how = f"make -n {words[words.index('make') + 1]}"
    elif how == "run":
        how = command
    if "createsuperuser" in how:
        environment.update(
            DJANGO_SUPERUSER_USERNAME="admin",
            DJANGO_SUPERUSER_EMAIL="admin@example.com",
            DJANGO_SUPERUSER_PASSWORD="a long enough password 42",
        )

    completed = shell(how, environment)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr, completed.stderr


def test_the_large_seed_command_parses_as_written():
    """The benchmark's seed_demo line is accepted by the command's own parser."""
    words = shlex.split(LARGE_SEED)
    command = load_command_class("forum", "seed_demo")
    options = command.create_parser("manage.py", "seed_demo").parse_args(words[3:])

    assert (options.threads, options.posts, options.hot, options.users) == (
        2000,
        100_000,
        5000,
        500,
    )
