"""Words a member wrote outside a conversation (a step, say) that may be a crisis.

The programme's crisis phrases (the same list messages are checked against) are
read once a minute at most, so a page listing many peers' steps stays at a fixed
number of queries.
"""

from django import template
from django.core.cache import cache

from messaging.crisis import contains_crisis_phrase
from messaging.models import MessagingSettings

register = template.Library()

CACHE_KEY = "messaging:crisis-phrases"
CACHE_SECONDS = 60


def _phrases() -> tuple[str, ...]:
    phrases = cache.get(CACHE_KEY)
    if phrases is None:
        phrases = tuple(MessagingSettings.lines(MessagingSettings.get_solo().crisis_phrases))
        cache.set(CACHE_KEY, phrases, CACHE_SECONDS)
    return phrases


@register.filter
def any_crisis_phrase(items) -> bool:
    """Whether any of `items` (steps, or rows with a `step`) holds a crisis phrase."""
    texts = [getattr(getattr(item, "step", item), "text", "") for item in items or ()]
    if not any(texts):
        return False
    phrases = _phrases()
    return any(contains_crisis_phrase(text, phrases) for text in texts)
