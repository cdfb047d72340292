"""Match emails. Subjects and bodies carry no health or substance detail:
an email may be read by someone else."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from members.models import Member
from members.visibility import peer_view
from peerlink.staff_alerts import alert_staff_once

from .deadlines import member_zone, request_deadline
from .models import (
    OPEN_STATES,
    Match,
    MatchNotification,
    MatchOrigin,
    MatchState,
    MemberNotification,
    PairStage,
    Report,
)

logger = logging.getLogger(__name__)

EVENTS = {
    # event: (recipient side, subject)
    "requested": ("mentor", "Someone would like to connect with you on PeerLink"),
    "accepted": ("newcomer", "Good news from PeerLink"),
    # The newcomer a matching run proposed a peer for: they never asked, so we tell them.
    "suggested": ("newcomer", "Our team suggested a peer for you on PeerLink"),
    # A mentor is reminded once, a day before a request to them moves on.
    "answer_reminder": ("mentor", "A request on PeerLink is still waiting for you"),
    # The newcomer whose request moved on, whatever the reason: a decline (and a
    # mentor who paused, was held, lost their vetting, left or blocked, which
    # read as one), an expiry, or staff turning it down or passing it on.
    "declined": ("newcomer", "An update on your PeerLink request"),
    "expired": ("newcomer", "An update on your PeerLink request"),
    "moved_on": ("newcomer", "An update on your PeerLink request"),
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
    if event == "answer_reminder" and not _still_waiting(match):
        return False
    if event == "suggested" and not match.is_request:
        # Withdrawn or answered before the email went: the pages say what happened.
        return False
    context = {
        "match": match,
        "recipient": recipient,
        "event": event,
        "site_url": settings.PEERLINK_SITE_URL.rstrip("/"),
        # The same words the pages show, in the recipient's own time zone.
        "deadline": request_deadline(match, zone=member_zone(recipient)),
        "moved_to": _moved_to(match),
        # What the recipient may see of the other side at this stage: at most the name.
        "peer": peer_view(
            match.mentor if side == "newcomer" else match.newcomer, viewer=recipient, match=match
        ),
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


def _still_waiting(match: Match) -> bool:
    return (
        match.state == MatchState.AWAITING_MENTOR
        and match.expires_at is not None
        and match.expires_at > timezone.now()
    )


def _moved_to(match: Match) -> str:
    """Say where a closed request went: "next_choice" (the newcomer's own ranking),
    "another_peer" (one staff chose), or "" (our team helps them find someone)."""
    if match.is_open:
        return ""
    origin = (
        Match.objects.filter(newcomer_id=match.newcomer_id, state__in=OPEN_STATES, pk__gt=match.pk)
        .values_list("origin", flat=True)
        .first()
    )
    if origin is None:
        return ""
    return "next_choice" if origin == MatchOrigin.RANKED else "another_peer"


MEMBER_EVENTS = {
    # event: subject
    "vetting_approved": "You're all set to mentor on PeerLink",
}


def send_member_email(*, notification_id: int) -> bool:
    """Send one email about a member's own standing once; return whether it went out now."""
    notification = (
        MemberNotification.objects.select_related("member__user").filter(pk=notification_id).first()
    )
    if notification is None or notification.event not in MEMBER_EVENTS:
        return False
    claimed = MemberNotification.objects.filter(pk=notification.pk, sent_at=None).update(
        sent_at=timezone.now()
    )
    if not claimed:
        return False
    member: Member = notification.member
    if member.is_deleted or not member.user.is_active or not member.user.email:
        return False
    context = {"recipient": member, "site_url": settings.PEERLINK_SITE_URL.rstrip("/")}
    message = EmailMultiAlternatives(
        subject=MEMBER_EVENTS[notification.event],
        body=render_to_string(f"emails/member_{notification.event}.txt", context),
        to=[member.user.email],
    )
    try:
        message.send()
    except Exception:
        MemberNotification.objects.filter(pk=notification.pk).update(sent_at=None)
        logger.warning("Sending the %s email %s failed", notification.event, notification.pk)
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
