"""Staff emails about help requests. They name no member and no health detail:
staff follow the link to the admin, where reads are their job."""

from peerlink.staff_alerts import alert_staff_once

from .models import HelpRequest


def send_help_request_alert(*, help_request_id: int) -> bool:
    """Email staff once that a member pressed "I need help now"."""
    return alert_staff_once(
        model=HelpRequest,
        pk=help_request_id,
        subject="PeerLink: a member asked for help now",
        text="A member pressed “I need help now”. They are held out of automatic matching "
        "until staff clear the hold.",
    )
