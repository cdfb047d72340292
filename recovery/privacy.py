"""The recovery check's part of a member's data: their checks with each answer, and
each "not now" (`members.privacy`)."""

from __future__ import annotations

from members.models import Member
from members.privacy import ExportContext, MemberData, export_time, register

from .models import Answer, Dismissal, RecoveryCheck
from .services import checks_delete_for


def export(member: Member, context: ExportContext) -> dict:
    """Return the member's recovery checks with each answer as they gave it, and each
    "not now"."""
    checks = (
        RecoveryCheck.objects.filter(member=member)
        .select_related("version__instrument")
        .order_by("taken_at", "pk")
    )
    answers: dict[int, list[dict]] = {}
    for answer in (
        Answer.objects.filter(check_taken__member=member)
        .select_related("item__version")
        .order_by("check_taken_id", "item__order")
    ):
        labels = dict(answer.item.version.scale)
        answers.setdefault(answer.check_taken_id, []).append(
            {
                "statement": answer.item.text,
                "answer": answer.value,
                "answer_label": labels.get(answer.value, ""),
            }
        )
    return {
        "recovery_checks": {
            "checks": [
                {
                    "instrument": check.version.instrument.name,
                    "version": check.version.number,
                    "taken": export_time(check.taken_at),
                    "total": check.score,
                    "by_area": check.area_scores,
                    "answers": answers.get(check.pk, []),
                }
                for check in checks
            ],
            "not_now": [
                export_time(dismissal.at)
                for dismissal in Dismissal.objects.filter(member=member).order_by("at", "pk")
            ],
        }
    }


def erase(member: Member) -> None:
    """Delete the leaving member's recovery checks: answers and every "not now"."""
    checks_delete_for(member=member)


register(
    MemberData(
        app_label="recovery",
        models=(RecoveryCheck, Dismissal),
        export=export,
        erase=erase,
    )
)
