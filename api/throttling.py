"""Requests made with a token are throttled per token, counted in the shared cache."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import IntegrationToken, PersonalToken


class TokenRateThrottle(SimpleRateThrottle):
    """PEERLINK_API_TOKEN_RATE requests per token; session requests are not counted here."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = request.auth
        if isinstance(token, PersonalToken):
            ident = f"personal-{token.pk}"
        elif isinstance(token, IntegrationToken):
            ident = f"integration-{token.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_rate(self):
        # Read at each request, so the setting (and a test's override) always applies.
        return settings.PEERLINK_API_TOKEN_RATE
