from django.conf import settings
from django.utils.functional import SimpleLazyObject, new_method_proxy

from matching.selectors import waiting_count
from messaging.selectors import unread_count


class LazyCount(SimpleLazyObject):
    """A count read only when a template shows it, and usable as a number there
    (`pluralize` takes its float: "3 unread messages", not "3 unread message")."""

    __int__ = new_method_proxy(int)
    __float__ = new_method_proxy(float)


def site(request):
    """Expose the crisis resources to every template, error pages included."""
    return {
        "crisis_resources": settings.PEERLINK_CRISIS_RESOURCES,
        "crisis_notice": settings.PEERLINK_CRISIS_NOTICE,
    }


def unread_messages(request):
    """The signed-in member's unread messages, for the navigation (one query, when used)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        member = getattr(user, "member", None)
        return unread_count(member) if member is not None else 0

    return {"unread_messages": LazyCount(count)}


def awaiting_requests(request):
    """How many requests wait for the signed-in mentor's answer, for the navigation
    (one query, when used). Unread messages are counted apart, by `unread_messages`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        member = getattr(user, "member", None)
        if member is None or not member.is_mentor:
            return 0
        return waiting_count(member)

    return {"awaiting_requests": LazyCount(count)}
