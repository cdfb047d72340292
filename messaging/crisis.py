"""Crisis phrases in a message: a pure check, no database.

A message containing one is always sent; its sender is shown the crisis
resources at once, and the peer who reads it is shown what to do. The check
matches whole words only ("overdose" but not "overdosed" or "od'd" inside
"good'dy") after the text and the phrases are normalised alike: compatibility
forms folded (NFKC, so full-width "ｋｉｌｌ" reads as "kill"), invisible format
characters dropped (soft hyphens, zero-width spaces and joiners), case folded,
typographic apostrophes (’ ʼ ‘ `) read as the plain one, and any run of
whitespace read as one space. Disguised phrases are then found like plain ones.
"""

import re
import unicodedata
from functools import lru_cache

APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def _without_format_characters(text: str) -> str:
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def normalise(text: str) -> str:
    """Return `text` as the matcher reads it (see the module docstring)."""
    text = _without_format_characters(unicodedata.normalize("NFKC", text))
    # Case folding can leave text that NFKC would change again (e.g. "ǰ"): fold twice.
    text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.translate(APOSTROPHES).split())


@lru_cache(maxsize=32)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern | None:
    words = [normalise(phrase) for phrase in phrases]
    words = [re.escape(word) for word in words if word]
    if not words:
        return None
    # (?<![\w']) and (?![\w']): a phrase is not part of a longer word.
    return re.compile(r"(?<![\w'])(?:" + "|".join(words) + r")(?![\w'])")


def contains_crisis_phrase(text: str, phrases) -> bool:
    """Return whether `text` contains one of `phrases` as whole words."""
    pattern = _pattern(tuple(phrases))
    return pattern is not None and pattern.search(normalise(text)) is not None
