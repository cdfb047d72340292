"""Staff emails about help requests. They name no member and no health detail:
staff follow the link to the admin, where reads are their job."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from members.models import User

from .models import HelpRequest

logger = logging.getLogger(__name__)


def _staff_emails() -> list[str]:
    return list(
        User.objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def send_help_request_alert(*, help_request_id: int) -> bool:
    """Email staff once that a member pressed "I need help now"."""
    claimed = HelpRequest.objects.filter(pk=help_request_id, staff_alerted_at=None).update(
        staff_alerted_at=timezone.now()
    )
    if not claimed:
        return False
    recipients = _staff_emails()
    if not recipients:
        logger.warning("Help request %s: no staff account to alert", help_request_id)
        return False
    url = settings.PEERLINK_SITE_URL.rstrip("/") + reverse(
        "admin:safety_helprequest_change", args=[help_request_id]
    )
    try:
        send_mail(
            "PeerLink: a member asked for help now",
            "A member pressed “I need help now”. They are held out of automatic matching "
            "until staff clear the hold.\n\n"
            f"Open it: {url}\n",
            None,
            recipients,
        )
    except Exception:
        HelpRequest.objects.filter(pk=help_request_id).update(staff_alerted_at=None)
        raise
    return True
