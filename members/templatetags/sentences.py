"""Filters that keep sentences built around member-written words well punctuated."""

from django import template

register = template.Library()

SENTENCE_ENDS = (".", "!", "?", "…")


@register.filter
def full_stop(text) -> str:
    """End a sentence at `text`: add a full stop unless it already ends one ("Javier F.")."""
    text = str(text)
    return text if text.rstrip().endswith(SENTENCE_ENDS) else f"{text}."
