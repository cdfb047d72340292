import pytest

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
