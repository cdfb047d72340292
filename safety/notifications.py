"""Staff emails about help requests. They name no member and no health detail:
staff follow the link to the admin, where reads are their job. The link opens
the hold itself, with "safety concern" already chosen as the reason to read it."""

from peerlink.staff_alerts import alert_staff_once

from .models import HelpRequest, HoldReason

SUBJECTS = {
    HoldReason.HELP_NOW: "PeerLink: a member asked for help now",
    HoldReason.PEER_CONCERN: "PeerLink: a member is worried about their peer",
}
TEXTS = {
    HoldReason.HELP_NOW: "A member pressed “I need help now”. They are held out of automatic "
    "matching until staff clear the hold.",
    HoldReason.PEER_CONCERN: "A member told staff that a message from their peer worried them "
    "(match {match_id}). The peer is held out of automatic matching until staff clear the "
    "hold. This email names no one and quotes nothing.",
}
READ_REASON = "reason=safety"


def send_help_request_alert(*, help_request_id: int) -> bool:
    """Email staff once about a hold that needs them (a help-now request or a peer's concern)."""
    row = HelpRequest.objects.filter(pk=help_request_id).values("reason", "match_id").first()
    if row is None:
        return False
    reason = row["reason"] if row["reason"] in TEXTS else HoldReason.HELP_NOW
    return alert_staff_once(
        model=HelpRequest,
        pk=help_request_id,
        subject=SUBJECTS[reason],
        text=TEXTS[reason].format(match_id=row["match_id"]),
        link_query=READ_REASON,
    )
