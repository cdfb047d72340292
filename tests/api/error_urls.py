"""Endpoints that exist only in tests: each raises what a real endpoint's service may."""

from django.urls import include, path
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from api.models import Scope
from api.permissions import has_scope
from matching.models import Match
from matching.services import MatchError
from messaging.services import NotWritable, RateLimited


class Raises(APIView):
    permission_classes = [permissions.AllowAny]
    error = None

    def get(self, request):
        raise self.error


class Reporting(APIView):
    permission_classes = [has_scope(Scope.REPORTING_READ)]

    def get(self, request):
        return Response({"ok": True})


def plain_bug(request):
    """A Django view (not DRF's) under /api/ that fails."""
    raise RuntimeError("secret detail: alice@example.org")


urlpatterns = [
    path("api/plain-bug/", plain_bug),
    path("api/", include("api.urls")),
    path("raise/match/", Raises.as_view(error=MatchError("That mentor is not available now."))),
    path("raise/not-writable/", Raises.as_view(error=NotWritable("This conversation is closed."))),
    path("raise/rate/", Raises.as_view(error=RateLimited("Slow down a little."))),
    path("raise/missing/", Raises.as_view(error=Match.DoesNotExist("Match 7 of member 3"))),
    path("raise/bug/", Raises.as_view(error=RuntimeError("secret detail: alice@example.org"))),
    path("reporting/", Reporting.as_view()),
]

handler500 = "peerlink.views.server_error"
handler400 = "peerlink.views.bad_request"
