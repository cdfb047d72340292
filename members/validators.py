"""Checks on what members write about themselves, shared by the pages' forms and the API
(which validates through the same forms)."""

import re
import unicodedata

from django.core.exceptions import ValidationError

# Peer-support training or certification: a line or two, not an essay.
TRAINING_NOTE_MAX = 1000

# Control, format (bidi overrides, zero-width characters), private-use, surrogate and
# line/paragraph separator characters: invisible, or able to reorder what others see.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
HIDDEN_CHARACTERS = (
    "Your name can’t contain invisible or text-direction characters. Please type it plainly."
)
# Words that would make a member look as if they speak for the programme.
STAFF_WORDS = frozenset({"staff", "admin", "administrator", "official", "moderator", "peerlink"})
SOUNDS_LIKE_STAFF = (
    "Please choose a name that doesn’t suggest you speak for PeerLink or its staff "
    "(such as “staff”, “admin”, “official”, “moderator” or “PeerLink”)."
)
_LETTERS = re.compile(r"[^\W\d_]+")


def validate_display_name(value: str) -> None:
    """Refuse a display name with hidden or direction-changing characters, or one that
    passes for staff ("Staff Team (official)", "ＡＤＭＩＮ", "Peer-Link")."""
    if any(unicodedata.category(char) in HIDDEN_CATEGORIES for char in value):
        raise ValidationError(HIDDEN_CHARACTERS, code="hidden_characters")
    words = _LETTERS.findall(unicodedata.normalize("NFKC", value).casefold())
    singular = {word.removesuffix("s") for word in words}
    if singular & STAFF_WORDS or "peerlink" in "".join(words):
        raise ValidationError(SOUNDS_LIKE_STAFF, code="sounds_like_staff")
