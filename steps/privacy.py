"""Steps' part of a member's data: each step and how it went (`members.privacy`)."""

from __future__ import annotations

from members.models import Member
from members.privacy import ExportContext, MemberData, export_time, register

from .models import Step
from .selectors import steps_page
from .services import steps_delete_for


def export(member: Member, context: ExportContext) -> dict:
    """Return each of the member's steps and how it went.

    Staff see how many steps a member keeps, never their words: the member's own
    download has them.
    """
    active, retired = steps_page(member)
    steps = [
        {
            "text": row.step.text,
            "shared_with_your_peer": row.step.shared,
            "created": export_time(row.step.created_at),
            "retired": export_time(row.step.retired_at),
            "how_it_went": [
                {
                    "answer": answer.get_answer_display(),
                    "recorded": export_time(answer.recorded_at),
                    "from": answer.get_source_display(),
                }
                for answer in row.answers
            ],
        }
        for row in [*active, *retired]
    ]
    if context.for_staff:
        return {
            "steps": {
                "count": len(steps),
                "shared": sum(1 for step in steps if step["shared_with_your_peer"]),
                "words": "Only the member sees the words of their steps, in their own download.",
            }
        }
    return {"steps": steps}


def erase(member: Member) -> None:
    """Delete the leaving member's steps and how each went: they are theirs alone."""
    steps_delete_for(member=member)


register(MemberData(app_label="steps", models=(Step,), export=export, erase=erase))
