"""Check-ins and the reminder outbox.

A `Reminder` row exists for every (match, recipient, slot) that has come due;
its unique key and the conditional claim in the sender task make sending
idempotent, and because future reminders live here rather than in the broker,
a broker restart loses nothing.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from solo.models import SingletonModel

from matching.models import Match
from members.models import Member


class CheckinSettings(SingletonModel):
    """The programme's check-in cadence; one row, edited by staff in the admin."""

    first_after_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Days after a match starts that the first check-in is due.",
    )
    every_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Days between check-ins after the first.",
    )
    quiet_start = models.TimeField(
        default=datetime.time(21, 0), help_text="No reminders from this local time…"
    )
    quiet_end = models.TimeField(
        default=datetime.time(8, 0), help_text="…until this local time the next morning."
    )
    link_valid_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1)],
        help_text="How long the one-click “we connected” link in a reminder works.",
    )
    missed_in_a_row = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1)],
        help_text="A match with this many missed check-ins in a row needs attention.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "check-in settings"

    def __str__(self):
        return "Check-in settings"


class MatchCadence(models.Model):
    """Staff override of the programme cadence for one match."""

    match = models.OneToOneField(Match, on_delete=models.CASCADE, related_name="cadence")
    first_after_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    every_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(90)]
    )

    def __str__(self):
        return f"Cadence for match {self.match_id}"


class Connected(models.TextChoices):
    YES = "yes", "Yes, we connected"
    TRIED = "tried", "I tried, but we didn't connect"
    NO = "no", "No, not yet"


class CheckIn(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="checkins")
    author = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="checkins")
    connected = models.CharField("did you connect?", max_length=10, choices=Connected.choices)
    rating = models.PositiveSmallIntegerField(
        "how is it going?",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    concern = models.BooleanField(
        "there is something staff should know",
        default=False,
        help_text="Staff are alerted at once.",
    )
    note = models.TextField(max_length=1000, blank=True, help_text="Only staff see this.")
    via_link = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    staff_alerted_at = models.DateTimeField(null=True, blank=True)
    concern_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    concern_acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "check-in"
        indexes = [models.Index(fields=["match", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="checkin_rating_1_to_5",
            ),
        ]

    def __str__(self):
        return f"Check-in {self.pk} on match {self.match_id}"

    @property
    def open_concern(self) -> bool:
        return self.concern and self.concern_acknowledged_at is None


class ReminderState(models.TextChoices):
    DUE = "due", "Due"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"


class Reminder(models.Model):
    """One check-in reminder: the outbox row for (match, recipient, slot)."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="reminders")
    slot = models.PositiveIntegerField(help_text="0 for the first check-in, then 1, 2, …")
    due_at = models.DateTimeField(help_text="In UTC; never in the recipient's quiet hours.")
    snoozed = models.BooleanField(default=False)
    state = models.CharField(
        max_length=10, choices=ReminderState.choices, default=ReminderState.DUE
    )
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(
        max_length=200, blank=True, help_text="The kind of failure; never personal data."
    )
    link_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [models.Index(fields=["state", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["match", "recipient", "slot"], name="one_reminder_per_match_recipient_slot"
            ),
        ]

    def __str__(self):
        return f"Reminder {self.pk} (match {self.match_id}, slot {self.slot})"

    def clean(self):
        if self.recipient_id not in (self.match.newcomer_id, self.match.mentor_id):
            raise ValidationError("A reminder goes to one of the two people in the match.")
