"""Staff reads of members' records: asked why, and recorded, in one place.

`AuditedReads` goes on every ModelAdmin whose change page shows a member's
record. Before the page shows anything it asks why (a reason from a short
list), remembered in the session per member for `REASON_FRESH_MINUTES`; each
time the page is then shown, one `StaffRead` row per member is written.
The audit rows themselves are read-only here: no add, change or delete.
"""

import time

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from peerlink.admin_site import ReadOnlyAdmin, is_possible_pk

from . import services
from .forms import StaffReadReasonForm
from .models import REASON_FRESH_MINUTES, Disclosure, ReadReason, ReportRead, StaffRead

SESSION_KEY = "audit_read_reasons"


def _fresh_reasons(session, member_ids: list[int]) -> dict[int, str] | None:
    """Return the reason given for each member within the last few minutes, or None."""
    remembered = session.get(SESSION_KEY, {})
    reasons = {}
    for member_id in member_ids:
        entry = remembered.get(str(member_id))
        if not entry or time.time() - entry["at"] > REASON_FRESH_MINUTES * 60:
            return None
        reasons[member_id] = entry["reason"]
    return reasons


def _remember_reason(session, member_ids: list[int], reason: str) -> None:
    remembered = dict(session.get(SESSION_KEY, {}))
    for member_id in member_ids:
        remembered[str(member_id)] = {"reason": reason, "at": time.time()}
    session[SESSION_KEY] = remembered


class AuditedReads:
    """Ask staff why before a member's record opens; record every time it does."""

    audit_parts: tuple[str, ...] = ()

    def audit_member_ids(self, obj) -> list[int]:
        """Return the ids of the members whose record this page shows."""
        raise NotImplementedError

    def audit_parts_for(self, obj) -> list[str]:
        return list(self.audit_parts)

    def fresh_reason(self, request, member_id: int) -> str | None:
        """Return the reason staff gave in this session for opening `member_id`'s record,
        while it is fresh; None sends them to the reason step first."""
        reasons = _fresh_reasons(request.session, [member_id])
        return reasons[member_id] if reasons else None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = None
        if is_possible_pk(self.model, unquote(object_id)):
            obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            # Django's own answer: a redirect with "does not exist", or 403.
            return super().change_view(request, object_id, form_url, extra_context)
        member_ids = list(dict.fromkeys(pk for pk in self.audit_member_ids(obj) if pk))
        if request.method == "POST" and StaffReadReasonForm.MARKER in request.POST:
            form = StaffReadReasonForm(request.POST)
            if form.is_valid():
                _remember_reason(request.session, member_ids, form.cleaned_data["reason"])
                return redirect(request.get_full_path())
            return self._reason_page(request, form)
        reasons = _fresh_reasons(request.session, member_ids)
        if reasons is None:
            return self._reason_page(request, StaffReadReasonForm())
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            parts = self.audit_parts_for(obj)
            for member_id in member_ids:
                services.record_staff_read(request.user, member_id, parts, reasons[member_id])
        return response

    def _reason_page(self, request, form):
        # An alert's link carries its reason (say "safety concern"), already chosen.
        wanted = request.GET.get("reason")
        if not form.is_bound and wanted in ReadReason.values:
            form = StaffReadReasonForm(initial={"reason": wanted})
        context = {
            **self.admin_site.each_context(request),
            "title": "Why are you opening this record?",
            "opts": self.model._meta,
            "form": form,
            "marker": StaffReadReasonForm.MARKER,
        }
        return TemplateResponse(request, "admin/audit/reason.html", context)


class ReadOnlyAuditAdmin(ReadOnlyAdmin):
    """Audit rows can be read, never added, changed or deleted."""

    actions = None


@admin.register(StaffRead)
class StaffReadAdmin(ReadOnlyAuditAdmin):
    list_display = ["at", "staff_user_id", "member_id", "parts", "reason"]
    list_filter = ["reason", "at"]
    search_fields = ["=member_id", "=staff_user_id"]
    date_hierarchy = "at"


@admin.register(Disclosure)
class DisclosureAdmin(ReadOnlyAuditAdmin):
    list_display = ["first_visible_at", "member_id", "viewer_member_id", "category", "match_id"]
    list_filter = ["category", "first_visible_at"]
    search_fields = ["=member_id", "=viewer_member_id"]
    date_hierarchy = "first_visible_at"


@admin.register(ReportRead)
class ReportReadAdmin(ReadOnlyAuditAdmin):
    list_display = ["at", "staff_user_id", "kind", "period_start", "period_end", "rows"]
    list_filter = ["kind", "at"]
    search_fields = ["=staff_user_id"]
    date_hierarchy = "at"
