"""Matching's part of a member's data: their requests and matches, the blocks and
reports they made, and their suggestions (`members.privacy`)."""

from __future__ import annotations

import datetime

from django.db.models import Q

from members.models import Member
from members.privacy import (
    REMOVED_TEXT,
    ExportContext,
    MemberData,
    export_time,
    name_pattern,
    register,
    remove_name,
)
from members.visibility import peer_view

from .models import (
    BatchRun,
    Block,
    EndedBy,
    Match,
    MatchingSettings,
    MemberNotification,
    PairStage,
    Report,
    ReportStatus,
    SuggestionList,
)
from .selectors import matches_past_retention, reasons_for_newcomer
from .services import NEUTRAL_END_REASON, matches_close_for_leaving_member, suggestions_delete_for


def _peer(view) -> dict:
    return dict(view.rows())


def _matches(member: Member) -> tuple[list[dict], dict[int, Match]]:
    """Return the requests and matches the member may know of, and each peer's latest.

    Each is shown at its stage for this member (`Match.stage_for`): a mentor's
    export holds nothing of a request staff have not approved.
    """
    peer_related = ("mentor", "newcomer")
    matches = (
        Match.objects.visible_to(member)
        .select_related(*(f"{side}__user" for side in peer_related))
        .prefetch_related(
            *(f"{side}__tags" for side in peer_related),
            *(f"{side}__languages" for side in peer_related),
        )
        .order_by("created_at", "pk")
    )
    rows, latest = [], {}
    for match in matches:
        as_newcomer = match.newcomer_id == member.pk
        peer = match.mentor if as_newcomer else match.newcomer
        latest[peer.pk] = match
        wrote_end = match.ended_by == ("newcomer" if as_newcomer else "mentor")
        rows.append(
            {
                "id": match.pk,
                "your_role": "newcomer" if as_newcomer else "mentor",
                "peer": _peer(peer_view(peer, viewer=member, match=match)),
                "state": match.get_state_display(),
                "origin": match.get_origin_display(),
                "stage": match.stage_for(member).label,
                "reasons_shown": _reasons(match, member),
                "created": export_time(match.created_at),
                "sent_to_mentor": export_time(match.sent_to_mentor_at),
                "answer_due": export_time(match.expires_at),
                "decided": export_time(match.decided_at),
                "decline_reason": match.get_decline_reason_display() if not as_newcomer else "",
                "decline_note": match.decline_note if not as_newcomer else "",
                "ended": export_time(match.ended_at),
                "ended_by": match.get_ended_by_display(),
                "end_reason": match.end_reason if wrote_end else "",
            }
        )
    return rows, latest


def _reasons(match: Match, member: Member) -> list[str]:
    """Why the newcomer might relate to their mentor, from what the mentor shares now
    and only while the pair's stage shows the mentor's profile: a reason stored
    with a request may name what the mentor has since chosen to hide."""
    if match.newcomer_id != member.pk or match.stage_for(member) == PairStage.ENDED:
        return []
    return reasons_for_newcomer(match)


def _blocks(member: Member, latest: dict[int, Match]) -> list[dict]:
    blocks = (
        Block.objects.filter(blocker=member)
        .select_related("blocked__user")
        .prefetch_related("blocked__tags", "blocked__languages")
        .order_by("created_at", "pk")
    )
    return [
        {
            "peer": _peer(
                peer_view(block.blocked, viewer=member, match=latest.get(block.blocked_id))
            ),
            "reason": block.reason,
            "created": export_time(block.created_at),
        }
        for block in blocks
    ]


def _reports(member: Member, latest: dict[int, Match]) -> list[dict]:
    reports = (
        Report.objects.filter(reporter=member)
        .select_related("reported__user")
        .prefetch_related("reported__tags", "reported__languages")
        .order_by("created_at", "pk")
    )
    return [
        {
            "peer": _peer(
                peer_view(report.reported, viewer=member, match=latest.get(report.reported_id))
            ),
            "match": report.match_id,
            "message": report.message_id,
            "text": report.text,
            "created": export_time(report.created_at),
            "status": report.get_status_display(),
        }
        for report in reports
    ]


def export(member: Member, context: ExportContext) -> dict:
    """Return the member's requests and matches, and the blocks and reports they made.

    Blocks and reports made *against* the member are not theirs to see. A peer is
    named as the member's latest request or match with them lets them see the peer.
    """
    matches, latest = _matches(member)
    return {
        "matches": matches,
        "blocks_you_made": _blocks(member, latest),
        "reports_you_made": _reports(member, latest),
    }


def erase(member: Member) -> None:
    """Close the leaving member's requests and matches, remove what they wrote and
    their name from what others wrote about them, and delete their suggestions."""
    matches_close_for_leaving_member(member=member)
    _remove_text_written_by(member)
    _remove_name_from_text_about(member)
    # As a mentor they leave everyone else's lists at the next recompute, which starts
    # now (until then the page drops a deleted mentor when it reads a list).
    suggestions_delete_for(member=member)


def _remove_text_written_by(member: Member) -> None:
    Report.objects.filter(reporter=member).update(text=REMOVED_TEXT)
    Block.objects.filter(blocker=member).exclude(reason="").update(reason=REMOVED_TEXT)
    Match.objects.filter(mentor=member).exclude(decline_note="").update(decline_note=REMOVED_TEXT)
    for side, ended_by in (("newcomer", EndedBy.NEWCOMER), ("mentor", EndedBy.MENTOR)):
        Match.objects.filter(**{side: member}, ended_by=ended_by).exclude(
            end_reason__in=["", NEUTRAL_END_REASON]
        ).update(end_reason=REMOVED_TEXT)
    # The reasons shown for a suggestion name tags the two have in common.
    Match.objects.filter(newcomer=member).update(reasons=[])
    Match.objects.filter(mentor=member).update(reasons=[])


def _remove_name_from_text_about(member: Member) -> None:
    """Replace the member's display name with "[removed]" in the texts of reports about
    them or their pairs, reasons for blocking them, and the peers' decline notes and end
    reasons on their matches."""
    pattern = name_pattern(member.display_name)
    if pattern is None:
        return
    theirs = Match.objects.filter(Q(newcomer=member) | Q(mentor=member))
    reports = Report.objects.filter(Q(reported=member) | Q(match__in=theirs))
    remove_name(reports.exclude(reporter=member), "text", pattern)
    remove_name(Block.objects.filter(blocked=member), "reason", pattern)
    remove_name(theirs, "decline_note", pattern)
    remove_name(theirs, "end_reason", pattern)


def purge(now: datetime.datetime) -> dict[str, int]:
    """Clear the free text (notes, reasons) of requests and matches closed longer than
    the retention period, and of the reports on them that staff have dealt with."""
    closed_ids = matches_past_retention(now)
    matches_purged = (
        Match.objects.filter(pk__in=closed_ids)
        .filter(~Q(decline_note="") | ~Q(end_reason="") | ~Q(reasons=[]))
        .update(decline_note="", end_reason="", reasons=[])
    )
    reports_purged = (
        Report.objects.filter(match__in=closed_ids)
        .exclude(status=ReportStatus.OPEN)
        .exclude(text=REMOVED_TEXT)
        .update(text=REMOVED_TEXT)
    )
    return {"matches_purged": matches_purged, "reports_purged": reports_purged}


register(
    MemberData(
        app_label="matching",
        models=(Match, Block, Report, SuggestionList),
        kept={
            MemberNotification: (
                "the outbox of emails about the member's own standing (vetting approved), "
                "which carry no personal data"
            ),
            MatchingSettings: "names the staff account that last changed the settings",
            BatchRun: "names the staff accounts that ran and applied a batch",
        },
        export=export,
        erase=erase,
        purge=purge,
    )
)
