import time
import zoneinfo

from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from .models import Member

# Write "last active" at most this often per session, not on every request.
LAST_ACTIVE_INTERVAL_SECONDS = 300
SESSION_KEY = "peerlink_last_active_written"
# The signed-in member's time zone, looked up once per session.
TIME_ZONE_SESSION_KEY = "peerlink_time_zone"


class NoStoreForSignedInMiddleware:
    """Keep every page shown to a signed-in person out of browser and proxy caches.

    Account pages (allauth's email and password pages among them) hold personal
    data; a shared computer's back button or cache must not show it to the next person.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class LastActiveMiddleware:
    """Record when a member was last active, so staff and peers see who responds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        # Only a signed-in session remembers the write; an API token request has no
        # session (api.services.token_mark_used records its activity instead).
        if (
            user is not None
            and user.is_authenticated
            and session is not None
            and session.session_key
        ):
            now = time.time()
            if now - request.session.get(SESSION_KEY, 0) > LAST_ACTIVE_INTERVAL_SECONDS:
                Member.objects.filter(user_id=user.pk).update(last_active_at=timezone.now())
                request.session[SESSION_KEY] = now
        return response


class MemberTimeZoneMiddleware:
    """Show dates and times in the signed-in member's own time zone.

    A reminder due at 09:00 on Monday in Sydney is still Sunday in UTC; pages
    must say Monday. Staff without a member profile, and visitors, see UTC.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = self._zone(request)
        if zone is not None:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    @staticmethod
    def _zone(request) -> zoneinfo.ZoneInfo | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return None
        name = request.session.get(TIME_ZONE_SESSION_KEY)
        if name is None:
            name = (
                Member.objects.filter(user_id=user.pk).values_list("time_zone", flat=True).first()
                or ""
            )
            request.session[TIME_ZONE_SESSION_KEY] = name
        try:
            return zoneinfo.ZoneInfo(name) if name else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return None


def forget_time_zone(request) -> None:
    """Call after a member changes their time zone: the next request looks it up again."""
    request.session.pop(TIME_ZONE_SESSION_KEY, None)
