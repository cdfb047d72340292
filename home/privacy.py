"""The home page's part of a member's data: when they last opened it (`members.privacy`)."""

from __future__ import annotations

from members.models import Member
from members.privacy import ExportContext, MemberData, export_time, register

from .models import HomeVisit


def export(member: Member, context: ExportContext) -> dict:
    """Return when the member last opened their home page (it says what changed since)."""
    visit = HomeVisit.objects.filter(member=member).first()
    return {
        "home_page_visits": {
            "last_visit": export_time(visit.visited_at) if visit else None,
            "visit_before": export_time(visit.previous_visited_at) if visit else None,
        }
    }


def erase(member: Member) -> None:
    """Delete the record of the leaving member's visits."""
    HomeVisit.objects.filter(member=member).delete()


register(MemberData(app_label="home", models=(HomeVisit,), export=export, erase=erase))
