"""Crisis safety: "I need help now" requests and the holds they place.

A `HelpRequest` row is both the record of a hold (when and why) and the outbox
row of the staff alert: `staff_alerted_at` is claimed with a conditional update
so that staff are told once.
"""

from django.conf import settings
from django.db import models
from solo.models import SingletonModel

from checkins.models import CheckIn
from members.models import Member


class SafetySettings(SingletonModel):
    """The programme's crisis-safety choices; one row, edited by staff in the admin."""

    hold_on_checkin_concern = models.BooleanField(
        "a check-in concern holds its author",
        default=False,
        help_text=(
            "When on, a member who raises a concern in a check-in is held out of "
            "automatic matching until staff clear the hold."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "crisis safety settings"

    def __str__(self):
        return "Crisis safety settings"


class HoldReason(models.TextChoices):
    HELP_NOW = "help_now", "I need help now"
    CHECKIN_CONCERN = "checkin_concern", "Check-in concern"
    PEER_CONCERN = "peer_concern", "Their peer told staff about a message"


class HelpRequestQuerySet(models.QuerySet):
    def open_help_now(self, member_id: int) -> "HelpRequestQuerySet":
        """The member's "I need help now" requests staff have not cleared yet."""
        return self.filter(member_id=member_id, reason=HoldReason.HELP_NOW, cleared_at=None)


class HelpRequest(models.Model):
    """One reason a member is held out of automatic matching, until staff clear it."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="help_requests")
    reason = models.CharField(max_length=20, choices=HoldReason.choices)
    checkin = models.ForeignKey(
        CheckIn, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A peer's concern: the match it came from, the peer who raised it, and the
    # message only when that peer chose to include it.
    match = models.ForeignKey(
        "matching.Match", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    may_contact = models.BooleanField("staff may contact them", null=True, blank=True)
    how_to_contact = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    staff_alerted_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cleared_note = models.TextField(
        "what staff did", blank=True, help_text="Written by the staff member who cleared the hold."
    )

    objects = HelpRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "hold"
        indexes = [models.Index(fields=["cleared_at", "created_at"])]

    def __str__(self):
        return f"Hold {self.pk} ({self.get_reason_display()})"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None

    @property
    def contact_wish(self) -> str:
        """What the member asked for, in words staff read at a glance."""
        if self.reason == HoldReason.PEER_CONCERN:
            return "Not asked: their peer told staff, the member did not."
        if self.may_contact is None:
            return "They did not say whether staff may contact them."
        if not self.may_contact:
            return "No: they asked not to be contacted."
        return "Yes: they asked staff to contact them."


class ResourcesPage(models.Model):
    """The programme's resources page (`/resources/`); one row, edited by staff in the admin."""

    text = models.TextField(
        max_length=20000,
        help_text=(
            "Plain text. A line starting with “## ” is a heading, “- ” starts a list item, "
            "and [words](https://example.org) or [988](tel:988) makes a link. HTML is shown as "
            "text, never run."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "resources page"

    def __str__(self):
        return "Resources page"
