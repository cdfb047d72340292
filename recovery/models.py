"""Outcome instruments as data, and members' answers to them over time.

An `Instrument` is the programme's choice of questionnaire (the BARC-10, or
PeerLink's own starter). Its questions live in immutable `InstrumentVersion`s:
once anyone has answered a version, nothing about it may change, so that every
answer keeps meaning what it meant when it was given; a change is a new
version, and trends compare answers of one version only.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from members.models import Member

DEFAULT_CADENCE_DAYS = 90
LOCKED_MESSAGE = (
    "This version is live, retired or answered, so it cannot change. "
    "Make a new version from it instead."
)


class Area(models.TextChoices):
    """The four areas of recovery capital an item may speak to."""

    SOCIAL = "social", "Social"
    PHYSICAL = "physical", "Physical"
    HUMAN = "human", "Human"
    CULTURAL = "cultural", "Cultural"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"


class Instrument(models.Model):
    """A questionnaire a programme uses, e.g. the BARC-10."""

    name = models.CharField(max_length=120, unique=True)
    citation = models.TextField(
        blank=True, help_text="Where the instrument is published, or that it is not validated."
    )
    validated = models.BooleanField(
        default=False, help_text="Whether this is a published, validated instrument."
    )
    cadence_days = models.PositiveSmallIntegerField(
        default=DEFAULT_CADENCE_DAYS,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
        help_text="Days between offers of the check to a member.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class InstrumentVersion(models.Model):
    """One fixed set of questions, answer scale and thresholds of an instrument."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    intro = models.TextField(blank=True, help_text="Shown to members above the questions.")
    scale_min = models.SmallIntegerField(default=1)
    scale_max = models.SmallIntegerField(default=5)
    scale_labels = models.JSONField(
        default=list, help_text="One label per answer, from the lowest to the highest."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    made_live_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["instrument__name", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "number"], name="recovery_version_number_once"
            ),
            models.UniqueConstraint(
                fields=["instrument"],
                condition=Q(status="live"),
                name="recovery_one_live_version_per_instrument",
            ),
            models.CheckConstraint(
                condition=Q(scale_max__gt=models.F("scale_min")),
                name="recovery_scale_max_above_min",
            ),
        ]

    def __str__(self):
        return f"{self.instrument.name}, version {self.number}"

    def is_locked(self) -> bool:
        """Return whether this version may no longer change: it left draft, or was answered."""
        return self.status != VersionStatus.DRAFT or self.checks.exists()

    def clean(self):
        if self.pk and InstrumentVersion.objects.get(pk=self.pk).is_locked():
            raise ValidationError(LOCKED_MESSAGE)

    @property
    def scale(self) -> list[tuple[int, str]]:
        """Return each answer value with its label, lowest first."""
        values = range(self.scale_min, self.scale_max + 1)
        labels = list(self.scale_labels) + [""] * len(values)
        return [(value, labels[index] or str(value)) for index, value in enumerate(values)]


class Item(models.Model):
    """One statement of a version, answered on the version's scale."""

    version = models.ForeignKey(InstrumentVersion, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    reverse_scored = models.BooleanField(
        default=False, help_text="Scored as lowest + highest − answer."
    )
    area = models.CharField(max_length=10, choices=Area.choices, blank=True)

    class Meta:
        ordering = ["version", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="recovery_item_order_once")
        ]

    def __str__(self):
        return f"{self.order}. {self.text}"

    def clean(self):
        if self.version_id and self.version.is_locked():
            raise ValidationError(LOCKED_MESSAGE)


class Threshold(models.Model):
    """A published cut-off of a version's total and what it is associated with. Staff only."""

    version = models.ForeignKey(
        InstrumentVersion, on_delete=models.CASCADE, related_name="thresholds"
    )
    value = models.IntegerField()
    meaning = models.CharField(max_length=200)

    class Meta:
        ordering = ["version", "value"]

    def __str__(self):
        return f"{self.value}: {self.meaning}"

    def clean(self):
        if self.version_id and self.version.is_locked():
            raise ValidationError(LOCKED_MESSAGE)


class RecoveryCheck(models.Model):
    """One time a member answered a version: its total score and each answer."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="recovery_checks")
    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="checks")
    score = models.IntegerField()
    area_scores = models.JSONField(default=dict, help_text="Each area's share of the score.")
    idempotency_key = models.CharField(max_length=64)
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["taken_at", "pk"]
        indexes = [models.Index(fields=["member", "taken_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "idempotency_key"], name="recovery_check_once_per_key"
            )
        ]

    def __str__(self):
        return f"Recovery check {self.pk}"


class Answer(models.Model):
    check_taken = models.ForeignKey(RecoveryCheck, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    value = models.SmallIntegerField()

    class Meta:
        ordering = ["check_taken", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["check_taken", "item"], name="recovery_answer_once")
        ]

    def __str__(self):
        return f"Answer {self.pk}"


class Dismissal(models.Model):
    """A member said "not now": the check is not offered again until the next period."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="recovery_check_dismissals"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["member", "at"])]

    def __str__(self):
        return f"Not now {self.pk}"
