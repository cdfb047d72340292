"""API rate limits, counted in the shared cache.

A member has one allowance, whichever way they call: the browser session or any
of their personal tokens (so more tokens buy no more requests). Each integration
token has its own. Suggestions, the costliest read, have a tighter limit of their
own on top.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import IntegrationToken


def requester_key(request) -> str | None:
    """Whose allowance a request counts against: the signed-in account, or the token."""
    if isinstance(request.auth, IntegrationToken):
        return f"integration-{request.auth.pk}"
    user = request.user
    if user is not None and user.is_authenticated and user.pk is not None:
        return f"user-{user.pk}"
    return None


class MemberRateThrottle(SimpleRateThrottle):
    """PEERLINK_API_RATE requests per member (or staff member) across the session and
    every token they hold, and per integration token."""

    scope = "api"
    setting = "PEERLINK_API_RATE"

    def get_cache_key(self, request, view):
        ident = requester_key(request)
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_rate(self):
        # Read at each request, so the setting (and a test's override) always applies.
        return getattr(settings, self.setting)


class SuggestionsRateThrottle(MemberRateThrottle):
    """PEERLINK_API_SUGGESTIONS_RATE reads of suggestions per member, within the above."""

    scope = "suggestions"
    setting = "PEERLINK_API_SUGGESTIONS_RATE"
