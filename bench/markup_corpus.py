"""Adversarial Markdown: inputs chosen to be slow to render or to render big.

Each case is a function of a size in characters (the posting forms accept up to
50,000) returning Markdown of at most that size. bench/markup_bench.py times
them; tests/forum/test_markup_budget.py asserts a loose bound on each.
"""

from collections.abc import Callable

LONG_URL = "https://example.com/" + "a" * 900


def _fill(unit: str, size: int, head: str = "", tail: str = "") -> str:
    """`head`, then `unit` repeated to fill `size` characters, then `tail`."""
    room = size - len(head) - len(tail)
    return head + unit * max(room // len(unit), 0) + tail


def table_wide_header(size: int) -> str:
    # A header of N columns, then one-cell rows: each row is padded to N cells.
    columns = size // 8
    header = "|" + "a|" * columns + "\n|" + "-|" * columns + "\n"
    return _fill("x\n", size, head=header)


def table_long(size: int) -> str:
    return _fill("| a | b |\n", size, head="| h | i |\n|---|---|\n")


def table_many_small(size: int) -> str:
    return _fill("| a |\n|---|\n| b |\n\n", size)


def list_long(size: int) -> str:
    return _fill("- a\n", size)


def list_nested_indent(size: int) -> str:
    lines, depth = [], 0
    while sum(map(len, lines)) < size - 400:
        lines.append("  " * depth + "- a\n")
        depth = (depth + 1) % 60
    return "".join(lines)


def list_nested_markers(size: int) -> str:
    return _fill("- ", size, tail="x")


def ordered_nested_markers(size: int) -> str:
    return _fill("1. ", size, tail="x")


def blockquote_deep(size: int) -> str:
    return _fill(">", size, tail=" x")


def blockquote_lines(size: int) -> str:
    return _fill(">>>>>>>>>> a\n", size)


def email_autolinks(size: int) -> str:
    return _fill("<a@b.co> ", size)


def email_linkify(size: int) -> str:
    return _fill("a@b.co ", size)


def url_linkify(size: int) -> str:
    return _fill("example.com ", size)


def url_linkify_long(size: int) -> str:
    return _fill("http://a.b/" + "c" * 40 + " ", size)


def linkify_no_space(size: int) -> str:
    return _fill("a.co@", size)


def reference_amplify(size: int) -> str:
    # One long definition used over and over: each use copies the URL.
    return _fill("[a] ", size, head=f"[a]: {LONG_URL}\n\n")


def reference_many(size: int) -> str:
    count = size // 40
    definitions = "".join(f"[r{i}]: https://e.co/{i}\n" for i in range(count))
    uses = "".join(f"[r{i}] " for i in range(count))
    return (definitions + "\n" + uses)[:size]


def reference_unresolved(size: int) -> str:
    return _fill("[a][b] ", size)


def image_openers(size: int) -> str:
    return _fill("![", size)


def link_openers(size: int) -> str:
    return _fill("[", size)


def link_openers_paren(size: int) -> str:
    return _fill("[a](", size)


def image_amplify(size: int) -> str:
    return _fill("![a] ", size, head=f"[a]: {LONG_URL}\n\n")


def stars(size: int) -> str:
    return _fill("*", size, tail="a")


def stars_words(size: int) -> str:
    return _fill("*a ", size)


def underscores(size: int) -> str:
    return _fill("_a", size)


def emphasis_mixed(size: int) -> str:
    return _fill("*_a**__", size)


def backticks(size: int) -> str:
    return _fill("`", size)


def backtick_runs(size: int) -> str:
    unit = "".join("`" * n + "a" for n in range(1, 60))
    return _fill(unit, size)


def long_line(size: int) -> str:
    return _fill("word ", size)


def entities(size: int) -> str:
    return _fill("&amp;&#x1F600;&copy;", size)


def entities_bad(size: int) -> str:
    return _fill("&#99999999;&xyz;", size)


def headings(size: int) -> str:
    return _fill("# a\n", size)


def fences_unclosed(size: int) -> str:
    return _fill("```\n", size)


def html_like(size: int) -> str:
    return _fill("<a><b>&lt;", size)


def escapes(size: int) -> str:
    return _fill("\\*\\[", size)


def hard_breaks(size: int) -> str:
    return _fill("a  \n", size)


def mixed_inline(size: int) -> str:
    return _fill("[*a](b) ![_c_](d) `e` <f@g.co> h.co ", size)


CASES: dict[str, Callable[[int], str]] = {
    name: function
    for name, function in list(globals().items())
    if callable(function)
    and not name.startswith("_")
    and getattr(function, "__module__", None) == __name__
}
