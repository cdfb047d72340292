"""A member's own steps: small goals in their own words, and how each went.

A step is private to its member. Ticking `shared` lets the peer of their
accepted match see its words (through `members.visibility.peer_view`); staff
screens show only how many there are.
"""

from django.db import models
from django.utils import timezone

from members.models import Member

STEP_TEXT_MAX = 200
ACTIVE_STEPS_MAX = 3


class Step(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="steps")
    text = models.CharField(max_length=STEP_TEXT_MAX)
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # A retired step stays in the member's history and no longer counts as active.
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["member", "retired_at"])]

    def __str__(self):
        # Never the words: admin and logs name a step by its number only.
        return f"Step {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.retired_at is None


class Answer(models.TextChoices):
    WENT_WELL = "went_well", "Went well"
    PARTLY = "partly", "Partly"
    NOT_THIS_WEEK = "not_this_week", "Not this week"


class AnswerSource(models.TextChoices):
    STEPS_PAGE = "steps_page", "My steps page"
    CHECK_IN = "check_in", "A check-in"
    API = "api", "The API"


class StepAnswer(models.Model):
    """How a step went, once; the member's history of a step is its answers."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="answers")
    answer = models.CharField(max_length=20, choices=Answer.choices)
    source = models.CharField(max_length=12, choices=AnswerSource.choices)
    # The check-in this answer came with, if any (an id: check-ins sit above steps).
    checkin_id = models.PositiveBigIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]
        indexes = [models.Index(fields=["step", "recorded_at"])]

    def __str__(self):
        return f"Answer {self.pk} on step {self.step_id}"
