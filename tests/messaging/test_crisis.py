import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messaging.crisis import contains_crisis_phrase
from messaging.models import DEFAULT_CRISIS_PHRASES, MessagingSettings

PHRASES = MessagingSettings.lines(DEFAULT_CRISIS_PHRASES)


@pytest.mark.parametrize(
    "text",
    [
        "Some days I WANT TO DIE",
        "I think I might  kill   myself",
        "I can’t go on like this",  # typographic apostrophe
        "I OD'd last year",
        "overdose.",
    ],
)
def test_crisis_phrases_are_found_whatever_the_case_spacing_or_apostrophe(text):
    assert contains_crisis_phrase(text, PHRASES)


@pytest.mark.parametrize(
    "text",
    [
        "See you on Tuesday",
        "They overdosed on sugar at the party",  # a longer word
        "good'd",
        "",
    ],
)
def test_ordinary_words_are_not_crisis_phrases(text):
    assert not contains_crisis_phrase(text, PHRASES)


def test_no_phrases_means_nothing_matches():
    assert not contains_crisis_phrase("want to die", [])


@pytest.mark.parametrize(
    "text",
    [
        "ｋｉｌｌ ｍｙｓｅｌｆ",  # full-width letters
        "I want to d\u00adie",  # a soft hyphen
        "kill\u200b my\u200dself",  # zero-width space and joiner
        "KILL\u3000MYSELF",  # an ideographic space
        "no reason\u00a0to\u2060 live",  # a no-break space and a word joiner
    ],
)
def test_disguised_crisis_phrases_are_found(text):
    assert contains_crisis_phrase(text, PHRASES)


FORMAT_CHARACTERS = ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
SPACES = [" ", "  ", "\t", "\u00a0", "\u3000", "\n"]


def _full_width(char: str) -> str:
    return chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char


@st.composite
def disguised(draw, phrase: str) -> str:
    """`phrase` with letters in either case or full width, invisible characters and odd spaces."""
    out = []
    for char in phrase:
        if char == " ":
            out.append(draw(st.sampled_from(SPACES)))
            continue
        char = draw(st.sampled_from([char, char.upper(), _full_width(char)]))
        out.append(char + draw(st.sampled_from(["", "", *FORMAT_CHARACTERS])))
    return "".join(out)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), phrase=st.sampled_from(PHRASES))
def test_any_disguise_of_a_crisis_phrase_is_found(data, phrase):
    text = "Honestly " + data.draw(disguised(phrase)) + " tonight"
    assert contains_crisis_phrase(text, PHRASES)
