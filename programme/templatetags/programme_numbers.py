"""How the dashboard writes its numbers: days, shares and codes in words."""

from django import template

from matching.models import DeclineReason, EndedBy

register = template.Library()
NONE = "–"


@register.filter
def days(value) -> str:
    """1.5 → "1.5 days"; None → "–"."""
    if value is None:
        return NONE
    return "1 day" if value == 1 else f"{value:g} days"


@register.filter
def percent(value) -> str:
    """0.25 → "25%"; None → "–"."""
    return NONE if value is None else f"{round(value * 100)}%"


@register.filter
def decline_reason(code: str) -> str:
    return DeclineReason(code).label if code in DeclineReason.values else code


@register.filter
def ended_by(code: str) -> str:
    return EndedBy(code).label if code in EndedBy.values else code
