"""The programme's resources page: staff write plain text with headings and links,
and it is rendered without ever passing raw HTML through.

The text is CommonMark with raw HTML switched off: a `<script>` a member of staff
types (or pastes from elsewhere) shows as text, a `javascript:` or `data:` link
is not made a link, and images are not rendered (they would load from anywhere
and the content security policy would block them anyway). Headings start at
level two, under the page's own title.
"""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# Shipped with PeerLink for a programme to replace: neutral, general and short.
STARTER_TEXT = """\
## If you are in crisis

The crisis lines at the top of this page answer day and night. PeerLink is not an
emergency service: if you are in danger, call 911.

## Harm reduction basics

- Try not to use alone. If you do, let someone know, or call the Never Use Alone
  line at 1-800-484-3731.
- Mixing substances, including alcohol and prescribed medication, raises the risk
  of an overdose. Go slower and use less when you are unsure what you have.
- Tolerance drops fast after a break, such as time in treatment, hospital or jail.
- Fentanyl test strips can show whether a drug contains fentanyl. Many local
  health departments hand them out free.

## Naloxone (Narcan)

Naloxone reverses an opioid overdose. In the US most pharmacies sell it without a
prescription, and many health departments and harm-reduction programmes give it
out free. Keep it where the people around you can find it.

- [Find naloxone and treatment near you](https://findtreatment.gov/)

## Meetings and groups

Mutual-aid meetings are free, and many meet online too.

- [Alcoholics Anonymous: find a meeting](https://www.aa.org/find-aa)
- [Narcotics Anonymous: find a meeting](https://www.na.org/meetingsearch/)
- [SMART Recovery: find a meeting](https://smartrecovery.org/meetings)

## Help lines

- SAMHSA National Helpline: [1-800-662-4357](tel:18006624357), free and confidential, every day
- 988 Suicide & Crisis Lifeline: call or text [988](tel:988)
"""

_MAX_HEADING = 6


def _renderer() -> MarkdownIt:
    # "commonmark" with html off: raw HTML is escaped; markdown-it's own link
    # check refuses javascript:, vbscript:, file: and data: addresses.
    markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    markdown.disable("image")

    def heading_under_title(state):
        for token in state.tokens:
            if token.type in ("heading_open", "heading_close"):
                level = min(int(token.tag[1]) + 1, _MAX_HEADING) if token.tag == "h1" else None
                if level:
                    token.tag = f"h{level}"

    markdown.core.ruler.push("heading_under_title", heading_under_title)
    return markdown


_MARKDOWN = _renderer()


def render_resources(text: str) -> SafeString:
    """Return the staff-written `text` as HTML that carries no raw HTML of its own."""
    return mark_safe(_MARKDOWN.render(text or ""))  # noqa: S308 (html is off: see above)
