"""Append-only audit rows: staff reads of a member's record, and disclosures to peers.

Members and staff are kept as plain ids, never foreign keys and never names or
emails: when an account is deleted its audit rows stay, reduced to ids, and
nothing ever has to change or delete them. The app refuses to update or delete
a row (model and queryset alike); on PostgreSQL a trigger refuses too.
Only `purge_before` removes rows, and only those past the retention period.
"""

import datetime

from django.db import models
from django.utils import timezone

# Staff must give a reason again after this long, per member.
REASON_FRESH_MINUTES = 30
# Rows may not be purged sooner than this; the setting may only lengthen it.
MINIMUM_RETENTION_YEARS = 6


def years_before(moment: datetime.datetime, years: int) -> datetime.datetime:
    """Return the same date and time `years` earlier (28 February for a 29 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


class AuditRowImmutable(Exception):
    """An audit row cannot be changed or deleted."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditRowImmutable("Audit rows cannot be changed.")

    def delete(self):
        raise AuditRowImmutable("Audit rows cannot be deleted.")

    def purge_before(self, cutoff) -> int:
        """Delete the rows recorded before `cutoff`; only the retention job calls this."""
        field = self.model.TIME_FIELD
        deleted, _ = super(AuditQuerySet, self.filter(**{f"{field}__lt": cutoff})).delete()
        return deleted


class AuditRow(models.Model):
    TIME_FIELD = ""

    objects = AuditQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditRowImmutable("Audit rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditRowImmutable("Audit rows cannot be deleted.")


class ReadReason(models.TextChoices):
    MATCH = "match", "Reviewing a match"
    SAFETY = "safety", "Safety concern or report"
    VETTING = "vetting", "Vetting a mentor"
    MEMBER_ASKED = "member_asked", "The member asked us"
    AUDIT = "audit", "Audit or compliance"


class RecordPart(models.TextChoices):
    PROFILE = "profile", "Profile"
    CHECK_INS = "check-ins", "Check-ins"
    CONCERN = "concern", "Check-in concern"
    MATCH = "match", "Match"
    REPORT = "report", "Report"
    HOLD = "hold", "Help request and hold"
    EXPORT = "export", "Data export"
    MESSAGES = "messages", "Messages"
    RECOVERY_CHECKS = "recovery-checks", "Recovery checks"


class StaffRead(AuditRow):
    """One time a staff member opened a member's record: who, whom, which parts, why, when."""

    TIME_FIELD = "at"

    staff_user_id = models.BigIntegerField()
    member_id = models.BigIntegerField()
    parts = models.JSONField(default=list)
    reason = models.CharField(max_length=20, choices=ReadReason.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["member_id", "at"])]
        verbose_name = "staff read"

    def __str__(self):
        return f"Staff read {self.pk}"


class ReportKind(models.TextChoices):
    DASHBOARD = "dashboard", "Programme dashboard"
    SUMMARY = "summary", "Printable summary"
    PAIRINGS_CSV = "pairings_csv", "Pairings CSV"
    ANSWERS_CSV = "answers_csv", "Recovery-check answers CSV"
    API = "api", "Reporting API"


class ReportRead(AuditRow):
    """One time staff read or exported the programme's aggregate numbers: who, which
    report, for which period, when. No member is named, so no member id is kept."""

    TIME_FIELD = "at"

    staff_user_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    rows = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many rows an export held."
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["at"])]
        verbose_name = "report read"

    def __str__(self):
        return f"Report read {self.pk}"


class Disclosure(AuditRow):
    """A category of a member's data that a peer could see, and when it first could."""

    TIME_FIELD = "first_visible_at"

    member_id = models.BigIntegerField()
    viewer_member_id = models.BigIntegerField()
    category = models.CharField(max_length=40)
    match_id = models.BigIntegerField(null=True, blank=True)
    first_visible_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-first_visible_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member_id", "viewer_member_id", "category"],
                name="audit_disclosure_once_per_peer_category",
            )
        ]
        indexes = [models.Index(fields=["member_id", "first_visible_at"])]

    def __str__(self):
        return f"Disclosure {self.pk}"
