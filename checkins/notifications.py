"""Staff emails about check-ins. They name no member and no health detail:
staff follow the link to the admin, where reads are their job."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from peerlink.staff_alerts import alert_staff_once, staff_emails

from .models import CheckIn
from .selectors import needs_attention

logger = logging.getLogger(__name__)


def send_concern_alert(*, checkin_id: int) -> bool:
    """Email staff once about a concern raised in a check-in."""
    return alert_staff_once(
        model=CheckIn,
        pk=checkin_id,
        concern=True,
        subject="PeerLink: a check-in needs staff attention",
        text="A member flagged something staff should know in a check-in.",
    )


def send_staff_digest() -> int:
    """Email staff the number of matches needing attention, with a link; return it."""
    flagged = needs_attention()
    recipients = staff_emails()
    if not flagged or not recipients:
        return len(flagged)
    url = settings.PEERLINK_SITE_URL.rstrip("/") + reverse("programme:queue")
    lines = [f"{len(flagged)} active matches need attention today.", "", f"See them: {url}"]
    send_mail("PeerLink: matches needing attention", "\n".join(lines), None, recipients)
    return len(flagged)
