"""
Render cost and output size of forum.markup over adversarial Markdown.

    .venv/bin/python bench/markup_bench.py              # every case, 50,000 chars
    .venv/bin/python bench/markup_bench.py --size 20000 --case table_long
    .venv/bin/python bench/markup_bench.py --profile table_wide_header

Each case of bench/markup_corpus.py is rendered through `render_markdown` (the
function every post, preview, edit and bio goes through); the table gives the
best of `--runs` CPU times in ms, the source and HTML sizes, their ratio, and
"refused" when the renderer refused the input (MarkupTooLarge: the member gets
a form error). The budget is RENDER_BUDGET_MS for a 50,000-character body on
the 2-core development machine; the exit status is 1 when a case exceeds it.
A refused case is then cut down (by bisection on the generator's size) to the
largest input of its kind that is accepted, the costliest an attacker can
have stored, and timed again: the "accepted" columns.
`--profile CASE` prints a pyinstrument profile of one render instead.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "markup-benchmark")

import django  # noqa: E402

django.setup()

from bench.markup_corpus import CASES  # noqa: E402
from forum import markup  # noqa: E402

RENDER_BUDGET_MS = 200


def render(source: str) -> tuple[float, int | None]:
    """CPU ms of one render, and the HTML's length (None when refused)."""
    markup.render_markdown_cache_clear()
    started = time.process_time()
    try:
        html = markup.render_markdown(source)
    except markup.MarkupTooLarge:
        html = None
    return (time.process_time() - started) * 1000, None if html is None else len(html)


def largest_accepted(case, size: int) -> str:
    """The longest source of this case, up to `size`, that is not refused."""
    low, high = 0, size
    while high - low > max(size // 100, 1):
        middle = (low + high) // 2
        if render(case(middle))[1] is None:
            high = middle
        else:
            low = middle
    return case(low)


def best_of(source: str, runs: int) -> tuple[float, int | None]:
    timings = [render(source) for _ in range(runs)]
    return min(timings, key=lambda timing: timing[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    parser.add_argument("--profile", choices=sorted(CASES))
    options = parser.parse_args()
    if options.profile:
        from pyinstrument import Profiler

        source = CASES[options.profile](options.size)
        with Profiler() as profiler:
            render(source)
        profiler.print()
        return 0
    over = 0
    print(
        f"{'case':<24} {'ms':>7} {'source':>7} {'html':>9} {'ratio':>7}"
        f" | accepted: {'ms':>7} {'source':>7} {'html':>8}"
    )
    for name in options.case or CASES:
        source = CASES[name](options.size)
        ms, size = best_of(source, options.runs)
        ratio = f"{size / len(source):.1f}" if size is not None else "refused"
        line = f"{name:<24} {ms:>7.1f} {len(source):>7} {size or 0:>9} {ratio:>7}"
        worst = ms if size is not None else 0.0
        if size is None:
            accepted = largest_accepted(CASES[name], options.size)
            worst, accepted_size = best_of(accepted, options.runs)
            line += f" | {worst:>17.1f} {len(accepted):>7} {accepted_size:>8}"
        flag = "  OVER BUDGET" if max(ms, worst) > RENDER_BUDGET_MS else ""
        over += bool(flag)
        print(line + flag, flush=True)
    print(f"budget {RENDER_BUDGET_MS} ms per render; {over} case(s) over it")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
