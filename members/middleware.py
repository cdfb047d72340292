import time

from django.utils import timezone

from .models import Member

# Write "last active" at most this often per session, not on every request.
LAST_ACTIVE_INTERVAL_SECONDS = 300
SESSION_KEY = "peerlink_last_active_written"


class LastActiveMiddleware:
    """Record when a member was last active, so staff and peers see who responds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            if now - request.session.get(SESSION_KEY, 0) > LAST_ACTIVE_INTERVAL_SECONDS:
                Member.objects.filter(user_id=user.pk).update(last_active_at=timezone.now())
                request.session[SESSION_KEY] = now
        return response
