"""Staff emails about check-ins. They name no member and no health detail:
staff follow the link to the admin, where reads are their job."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from members.models import User

from .models import CheckIn
from .selectors import needs_attention

logger = logging.getLogger(__name__)


def _staff_emails() -> list[str]:
    return list(
        User.objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def send_concern_alert(*, checkin_id: int) -> bool:
    """Email staff once about a concern raised in a check-in."""
    claimed = CheckIn.objects.filter(pk=checkin_id, concern=True, staff_alerted_at=None).update(
        staff_alerted_at=timezone.now()
    )
    if not claimed:
        return False
    recipients = _staff_emails()
    if not recipients:
        logger.warning("Concern on check-in %s: no staff account to alert", checkin_id)
        return False
    url = settings.PEERLINK_SITE_URL.rstrip("/") + reverse(
        "admin:checkins_checkin_change", args=[checkin_id]
    )
    try:
        send_mail(
            "PeerLink: a check-in needs staff attention",
            f"A member flagged something staff should know in a check-in.\n\nOpen it: {url}\n",
            None,
            recipients,
        )
    except Exception:
        CheckIn.objects.filter(pk=checkin_id).update(staff_alerted_at=None)
        raise
    return True


def send_staff_digest() -> int:
    """Email staff the number of matches needing attention, with a link; return it."""
    flagged = needs_attention()
    recipients = _staff_emails()
    if not flagged or not recipients:
        return len(flagged)
    url = settings.PEERLINK_SITE_URL.rstrip("/") + reverse("admin:checkins_attention")
    lines = [f"{len(flagged)} active matches need attention today.", "", f"See them: {url}"]
    send_mail("PeerLink: matches needing attention", "\n".join(lines), None, recipients)
    return len(flagged)
