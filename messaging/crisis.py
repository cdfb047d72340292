"""Crisis phrases in a message: a pure check, no database.

A message containing one is always sent; its sender is shown the crisis
resources at once. The check ignores case, matches whole words only ("overdose"
but not "overdosed" or "od'd" inside "good'dy"), treats any run of spaces as one,
and reads typographic apostrophes (’ ʼ ‘ `) as the plain one.
"""

import re
from functools import lru_cache

APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def _normalise(text: str) -> str:
    return " ".join(text.translate(APOSTROPHES).casefold().split())


@lru_cache(maxsize=32)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern | None:
    words = [_normalise(phrase) for phrase in phrases]
    words = [re.escape(word) for word in words if word]
    if not words:
        return None
    # (?<![\w']) and (?![\w']): a phrase is not part of a longer word.
    return re.compile(r"(?<![\w'])(?:" + "|".join(words) + r")(?![\w'])")


def contains_crisis_phrase(text: str, phrases) -> bool:
    """Return whether `text` contains one of `phrases` as whole words."""
    pattern = _pattern(tuple(phrases))
    return pattern is not None and pattern.search(_normalise(text)) is not None
