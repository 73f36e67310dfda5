"""CI never passes by skipping: what it needs and lacks fails instead."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.checkers import missing

ROOT = Path(__file__).resolve().parents[1]


def test_ci_script_sets_ci_before_running_the_tests():
    """`.ci/run` itself exports CI=true, before its first `make`, whoever runs it."""
    script = (ROOT / ".ci" / "run").read_text()
    export = re.search(r"^export CI=true$", script, re.MULTILINE)
    first_make = re.search(r"^[^#\n]*\bmake\b", script, re.MULTILINE)
    assert export and first_make and export.start() < first_make.start()


@pytest.mark.parametrize("ci", ["", "true"])
def test_a_missing_browser_tool_skips_only_outside_ci(monkeypatch, ci):
    """Chromium, Java, axe-core and vnu.jar all report through `missing`."""
    monkeypatch.setenv("CI", ci)
    expected = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(expected, match="chromium"):
        missing("chromium not found")


def test_postgresql_tests_fail_on_sqlite_when_postgresql_is_required(tmp_path):
    """A run with REQUIRE_DATABASE_VENDOR=postgresql that lands on SQLite errors
    on every `postgresql` test rather than skipping it."""
    env = {**os.environ, "REQUIRE_DATABASE_VENDOR": "postgresql"}
    env.pop("DATABASE_URL", None)
    completed = subprocess.run(  # noqa: S603 - our own test runner
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "0",
            # Its own cache, so this run's errors stay out of `pytest --lf`.
            "-o",
            f"cache_dir={tmp_path}",
            "-m",
            "postgresql",
            "tests/forum/actions/test_concurrency.py",
            "tests/forum/search/test_search.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    summary = completed.stdout.strip().splitlines()[-1]
    assert completed.returncode == 1, completed.stdout
    assert "3 errors" in summary and "skipped" not in summary, summary
