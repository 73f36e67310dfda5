"""The two page checkers CI runs over every page type: axe-core and the Nu HTML Checker.

Both come from npm (tests/a11y/package.json, installed by `make test`); Java and
Chromium come from Debian's packages.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

A11Y_DIR = Path(__file__).resolve().parents[1] / "a11y"
AXE_SCRIPT = A11Y_DIR / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = A11Y_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def missing(message: str) -> None:
    """A tool the browser tests need is missing: skip on a developer machine, fail
    in CI (`.ci/run` exports CI=true), so CI never passes by skipping them."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def require(path: Path, what: str) -> None:
    """Skip (fail in CI) when a checker is not installed."""
    if not path.exists():
        missing(f"{what} missing at {path}: run `make test` (npm ci in tests/a11y)")


def axe_violations(page) -> list[str]:
    """Run axe-core in the page; one line per violating node."""
    require(AXE_SCRIPT, "axe-core")
    page.evaluate(AXE_SCRIPT.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} "
        f"{node.get('failureSummary', '')}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


def html_errors(documents: dict[str, str], workdir: Path) -> list[str]:
    """Validate HTML documents (name -> markup) with vnu.jar in one Java run."""
    require(VNU_JAR, "vnu.jar")
    java = shutil.which("java")
    if java is None:
        missing("java missing (apt-get install default-jre-headless)")
    paths = []
    for number, (name, markup) in enumerate(documents.items()):
        path = workdir / f"{number:03d}.html"
        path.write_text(markup)
        paths.append((path, name))
    names = {f"file:{path}": name for path, name in paths}
    completed = subprocess.run(  # noqa: S603 - fixed arguments, our own files
        [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout"]
        + [str(path) for path, _ in paths],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(completed.stdout)["messages"]
    return [
        f"{names.get(message.get('url', ''), message.get('url'))}: "
        f"line {message.get('lastLine')}: {message['message']}"
        for message in messages
        if message["type"] == "error"
    ]
