"""The audit trail's part of a member's data: who saw what of them and when
(`members.privacy`)."""

from __future__ import annotations

from members.models import Member
from members.privacy import ExportContext, MemberData, register

from .models import Disclosure, ReportRead, StaffRead
from .selectors import accounting_for


def export(member: Member, context: ExportContext) -> dict:
    """Return the same accounting of disclosures the member's page shows."""
    return {"accounting_of_disclosures": accounting_for(member)}


# Deleting an account erases nothing here: the rows hold ids, categories and times
# only, kept for the accounting the law asks for, and `purge_expired` removes them
# after the audit retention period on its own schedule.
register(
    MemberData(
        app_label="audit",
        models=(StaffRead, Disclosure),
        kept={ReportRead: "names the staff account that read the programme's numbers"},
        export=export,
    )
)
