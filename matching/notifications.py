"""Match emails. Subjects and bodies carry no health or substance detail:
an email may be read by someone else."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from peerlink.staff_alerts import alert_staff_once

from .models import Match, MatchNotification, PairStage, Report

logger = logging.getLogger(__name__)

EVENTS = {
    # event: (recipient side, subject)
    "requested": ("mentor", "Someone would like to connect with you on PeerLink"),
    "accepted": ("newcomer", "Good news from PeerLink"),
    "declined": ("newcomer", "An update on your PeerLink request"),
    "expired": ("newcomer", "An update on your PeerLink request"),
    # The peer of a member who left: told only that the match ended.
    "ended_for_mentor": ("mentor", "An update on your PeerLink match"),
    "ended_for_newcomer": ("newcomer", "An update on your PeerLink match"),
}


def send_match_email(*, match_id: int, event: str) -> bool:
    """Send one event's email once; return whether an email went out now."""
    if event not in EVENTS:
        logger.warning("Unknown match event %s for match %s", event, match_id)
        return False
    match = (
        Match.objects.select_related("newcomer__user", "mentor__user").filter(pk=match_id).first()
    )
    if match is None:
        return False
    notification, _ = MatchNotification.objects.get_or_create(match=match, event=event)
    claimed = MatchNotification.objects.filter(pk=notification.pk, sent_at=None).update(
        sent_at=timezone.now()
    )
    if not claimed:
        return False
    side, subject = EVENTS[event]
    recipient = getattr(match, side)
    if not recipient.user.is_active or not recipient.user.email:
        return False
    if match.stage_for(recipient) == PairStage.NOT_VISIBLE:
        # The stage rule, as on every page: nobody is emailed about a pair they
        # may not know of (a request staff have not approved, say).
        return False
    context = {
        "match": match,
        "recipient": recipient,
        "event": event,
        "site_url": settings.PEERLINK_SITE_URL.rstrip("/"),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/match_{event}.txt", context),
        to=[recipient.user.email],
    )
    try:
        message.send()
    except Exception:
        # Release the claim so that the retry can send it.
        MatchNotification.objects.filter(pk=notification.pk).update(sent_at=None)
        logger.warning("Sending the %s email for match %s failed", event, match_id)
        raise
    return True


def send_report_alert(*, report_id: int) -> bool:
    """Email staff once that a member reported a concern.

    The email names nobody and quotes nothing: staff read the report in the admin.
    """
    return alert_staff_once(
        model=Report,
        pk=report_id,
        subject="PeerLink: a member reported a concern",
        text="A member reported a concern about a peer.",
    )
