"""Staff opening a member's record in the admin: asked why first, as in the browser."""

from django.test import Client

from audit.forms import StaffReadReasonForm
from audit.models import ReadReason

REASON_QUESTION = b"Why are you opening this record?"


def give_reason(client: Client, url: str, reason: str = ReadReason.MATCH):
    """Answer the "why" form for the record at `url`; return the response."""
    return client.post(url, {StaffReadReasonForm.MARKER: "1", "audit-reason": reason})


def open_record(client: Client, url: str, reason: str = ReadReason.MATCH):
    """GET a member's record in the admin, giving `reason` if asked; return the page."""
    response = client.get(url)
    if response.status_code == 200 and REASON_QUESTION in response.content:
        give_reason(client, url, reason)
        response = client.get(url)
    return response
