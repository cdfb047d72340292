"""Staff alert when a message contains a crisis phrase: ids only, no name, no text."""

import smtplib

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from peerlink.staff_alerts import email_staff

from .models import Message

SUBJECT = "PeerLink: a message contained a crisis phrase"
TEXT = (
    "A member sent a message containing one of the programme's crisis phrases. "
    "They were shown the crisis resources and the “I need help now” action at once.\n\n"
    "This email names no one and quotes nothing. Follow your programme's safety "
    "procedure (reference: message {message_id}).\n\n"
    "Open the match: {url}\n"
)
ALERTED_FOR_SECONDS = 7 * 24 * 3600


@shared_task(
    name="messaging.alert_staff_of_crisis_phrase",
    autoretry_for=(smtplib.SMTPException, OSError),
    max_retries=5,
    retry_backoff=30,
)
def alert_staff_of_crisis_phrase(message_id: int) -> bool:
    """Email staff once per message; a second run sends nothing."""
    key = f"messaging:crisis-alert:{message_id}"
    if not cache.add(key, 1, ALERTED_FOR_SECONDS):
        return False
    match_id = (
        Message.objects.filter(pk=message_id)
        .values_list("conversation__match_id", flat=True)
        .first()
    )
    url = settings.PEERLINK_SITE_URL.rstrip("/")
    if match_id is not None:
        # The match's page, with "safety concern" chosen on the audited "why" step.
        url += reverse("admin:matching_match_change", args=[match_id]) + "?reason=safety"
    try:
        return email_staff(subject=SUBJECT, text=TEXT.format(message_id=message_id, url=url))
    except Exception:
        cache.delete(key)  # the retry sends it
        raise
