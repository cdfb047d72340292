"""Message text on a page: escaped first, then web addresses made into links."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

# Runs on escaped text: an address ends at white space or at an escaped quote
# or angle bracket. Trailing punctuation belongs to the sentence.
ADDRESS = re.compile(r"\bhttps?://(?:(?!&quot;|&#x27;|&lt;|&gt;)\S)+", re.IGNORECASE)
TRAILING = ".,;:!?)]}"


def _link(match: re.Match) -> str:
    address = match.group(0)
    tail = ""
    while address and address[-1] in TRAILING:
        address, tail = address[:-1], address[-1] + tail
    return f'<a href="{address}" rel="nofollow noopener" target="_blank">{address}</a>{tail}'


@register.filter
def linkify(text: str) -> str:
    """Escape `text`, then link its http(s) addresses with the address visible."""
    return mark_safe(ADDRESS.sub(_link, escape(text)))  # noqa: S308 (escaped above)
