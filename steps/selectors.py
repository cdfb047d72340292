"""Reads: a member's steps for their own pages, and counts for staff."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.urls import reverse

from .chart import Chart, history_chart
from .models import ACTIVE_STEPS_MAX, Step, StepAnswer


@dataclass
class StepRow:
    step: Step
    answers: list[StepAnswer]
    chart: Chart

    @property
    def latest(self) -> StepAnswer | None:
        return self.answers[-1] if self.answers else None


def active_steps(member) -> list[Step]:
    """Return the member's active steps, oldest first."""
    return list(Step.objects.filter(member=member, retired_at=None).order_by("created_at", "pk"))


def steps_with_answers(member):
    """Return all of the member's steps, oldest first, each with how it went (two queries)."""
    return (
        Step.objects.filter(member=member)
        .prefetch_related(
            Prefetch("answers", queryset=StepAnswer.objects.order_by("recorded_at", "pk"))
        )
        .order_by("created_at", "pk")
    )


def steps_page(member) -> tuple[list[StepRow], list[StepRow]]:
    """Return (active, retired) steps of `member` with their history, in two queries."""
    active, retired = [], []
    for step in steps_with_answers(member):
        answers = list(step.answers.all())
        row = StepRow(step, answers, history_chart([answer.answer for answer in answers]))
        (active if step.retired_at is None else retired).append(row)
    return active, retired[::-1]


def home_summary(member) -> dict:
    """Return what the member's home card shows: active steps, how many shared, the link."""
    steps = active_steps(member)
    return {
        "active": steps,
        "shared_count": sum(1 for step in steps if step.shared),
        "can_add": len(steps) < ACTIVE_STEPS_MAX,
        "url": reverse("steps:mine"),
    }


def step_counts(member) -> dict[str, int]:
    """Return how many steps `member` has, active and shared: all staff may see of them."""
    return Step.objects.filter(member=member).aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(retired_at=None)),
        shared=Count("pk", filter=Q(retired_at=None, shared=True)),
    )
