"""Reads for the staff endpoints: what each staff list shows, filtered and in a fixed
number of queries."""

from __future__ import annotations

from django.db.models import QuerySet

from checkins.models import CheckIn
from matching.models import BatchRun, Match, Report, ReportStatus
from members.models import Member
from safety.models import HelpRequest


def members_for_staff(
    *, role: str = "", vetting_status: str = "", language: str = "", tag: str = ""
) -> QuerySet[Member]:
    """Members who have not deleted their account, oldest first, filtered."""
    members = Member.objects.filter(deleted_at=None)
    if role:
        members = members.filter(role=role)
    if vetting_status:
        members = members.filter(vetting_status=vetting_status)
    if language:
        members = members.filter(languages__code=language)
    if tag:
        members = members.filter(tags__slug=tag)
    return members.prefetch_related("languages", "tags").distinct().order_by("pk")


def matches_for_staff(*, state: str = "") -> QuerySet[Match]:
    matches = Match.objects.select_related("newcomer", "mentor")
    if state:
        matches = matches.filter(state=state)
    return matches.order_by("-created_at", "-pk")


def batch_runs() -> QuerySet[BatchRun]:
    return BatchRun.objects.defer("pairs", "parameters").order_by("-created_at", "-pk")


def open_holds() -> QuerySet[HelpRequest]:
    """Help requests and holds staff have not cleared yet."""
    return (
        HelpRequest.objects.filter(cleared_at=None)
        .select_related("member")
        .order_by("-created_at", "-pk")
    )


def open_reports() -> QuerySet[Report]:
    return (
        Report.objects.filter(status=ReportStatus.OPEN)
        .select_related("reporter", "reported")
        .order_by("-created_at", "-pk")
    )


def open_concerns() -> QuerySet[CheckIn]:
    """Check-ins that raised a concern no one has acknowledged yet."""
    return (
        CheckIn.objects.filter(concern=True, concern_acknowledged_at=None)
        .select_related("author")
        .order_by("-created_at", "-pk")
    )
