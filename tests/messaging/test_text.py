import datetime

from messaging.days import day_label
from messaging.templatetags.message_text import linkify


def test_links_keep_their_address_visible_and_are_not_followed_blindly():
    html = linkify("See https://example.org/a?b=1&c=2. Thanks")
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener" target="_blank">'
        "https://example.org/a?b=1&amp;c=2</a>. Thanks"
    ) in html


def test_html_and_script_are_escaped_and_only_http_addresses_become_links():
    html = linkify('<script>alert(1)</script> javascript:alert(1) "https://x.org"<b>')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<a href="https://x.org"' in html
    assert "<b>" not in html


def test_day_separators_read_today_yesterday_then_weekday_and_date():
    today = datetime.date(2026, 3, 4)
    assert day_label(today, today) == "Today"
    assert day_label(datetime.date(2026, 3, 3), today) == "Yesterday"
    assert day_label(datetime.date(2026, 3, 2), today) == "Monday 2 March"
    assert day_label(datetime.date(2025, 12, 29), today) == "Monday 29 December 2025"
