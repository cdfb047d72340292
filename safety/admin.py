"""Holds in the admin: the open ones first, what the member asked for in words, and
one "Clear hold" action with a required note (who, when and the note are kept).

Staff reach a hold from its alert email: the link opens the hold with "safety
concern" already chosen as the reason to read it, so clearing takes three
clicks after signing in (open the record, "Clear hold", confirm with the note).

Blocks and members' reports are here too: their models live in `matching`
(the pair rule reads them), so their admin addresses keep matching's names
(`admin:matching_report_change`).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, When
from django.forms import Textarea
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

import peerlink.ids  # noqa: F401  (registers <id:…>)
from audit.admin import AuditedReads
from audit.models import RecordPart
from checkins.models import CheckIn
from matching.models import Block, Report, ReportAction, ReportStatus
from matching.services import MatchError
from messaging.reports import context_for_staff
from peerlink.admin_site import ProgrammeSettingsAdmin, is_possible_pk

from . import services
from .forms import ClearHoldForm
from .models import HelpRequest, HoldReason, ResourcesPage, SafetySettings
from .resources import render_resources


def local_time(value) -> str:
    """A time in the reader's zone (their member profile's, else the programme's), named."""
    if value is None:
        return "–"
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%d %H:%M} ({timezone.get_current_timezone_name()})"


admin.site.register(SafetySettings, ProgrammeSettingsAdmin)


@admin.register(ResourcesPage)
class ResourcesPageAdmin(admin.ModelAdmin):
    """One page of text, with a preview of how members will see it."""

    fields = ["text", "preview", "updated_at", "updated_by"]
    readonly_fields = ["preview", "updated_at", "updated_by"]
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 24, "cols": 80})}}

    @admin.display(description="As members see it (after saving)")
    def preview(self, page):
        return format_html('<div class="resources-preview">{}</div>', render_resources(page.text))

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request):
        return False if ResourcesPage.objects.exists() else super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class OpenHoldFilter(admin.SimpleListFilter):
    """Holds still in force unless staff ask for the others."""

    title = "hold"
    parameter_name = "hold"

    def lookups(self, request, model_admin):
        return [("open", "Still held"), ("cleared", "Cleared"), ("all", "All")]

    def choices(self, changelist):
        current = self.value() or "open"
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() == "cleared":
            return queryset.filter(cleared_at__isnull=False)
        if self.value() == "all":
            return queryset
        return queryset.filter(cleared_at__isnull=True)


@admin.register(HelpRequest)
class HelpRequestAdmin(AuditedReads, admin.ModelAdmin):
    audit_parts = (RecordPart.HOLD,)
    list_display = ["hold", "raised", "member", "reason", "asked_for", "state"]
    list_filter = [OpenHoldFilter, "reason", "created_at"]
    list_select_related = ["member", "cleared_by"]
    actions = None
    fields = [
        "state",
        "member",
        "reason",
        "asked_for_in_full",
        "match_link",
        "raised_by_peer",
        "included_message",
        "raised",
        "alerted",
        "cleared",
        "cleared_note",
    ]
    readonly_fields = fields
    change_form_template = "admin/safety/helprequest/change_form.html"

    # How to reach the member shows only on the hold's own page, behind a reason.
    def audit_member_ids(self, help_request):
        return [help_request.member_id]

    def audit_parts_for(self, help_request):
        parts = list(self.audit_parts)
        if help_request.message_id is not None:
            parts.append(RecordPart.MESSAGES)
        return parts

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # A hold changes only through "Clear hold": the page has no Save button.
    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def may_clear(self, request) -> bool:
        return super().has_change_permission(request)

    @admin.display(description="Hold", ordering="pk")
    def hold(self, help_request):
        return f"Hold {help_request.pk}"

    @admin.display(description="Raised", ordering="created_at")
    def raised(self, help_request):
        return local_time(help_request.created_at)

    @admin.display(description="Staff emailed")
    def alerted(self, help_request):
        return local_time(help_request.staff_alerted_at)

    @admin.display(description="What they asked for")
    def asked_for(self, help_request):
        return help_request.contact_wish

    # How to reach them shows only here, on the hold's own page, behind a reason.
    @admin.display(description="What they asked for")
    def asked_for_in_full(self, help_request):
        how = help_request.how_to_contact
        return help_request.contact_wish + (f" How: “{how}”" if how else "")

    @admin.display(description="State")
    def state(self, help_request):
        return "Still held" if help_request.is_open else "Cleared"

    @admin.display(description="Cleared")
    def cleared(self, help_request):
        if help_request.is_open:
            return "Not yet"
        by = help_request.cleared_by.get_username() if help_request.cleared_by else "a former user"
        return f"{local_time(help_request.cleared_at)} by {by}"

    @admin.display(description="Match")
    def match_link(self, help_request):
        if help_request.match_id is None:
            return "–"
        url = reverse("admin:matching_match_change", args=[help_request.match_id])
        return format_html('<a href="{}">Match {}</a>', url, help_request.match_id)

    @admin.display(description="Raised by their peer")
    def raised_by_peer(self, help_request):
        return help_request.raised_by or "–"

    @admin.display(description="The message (their peer chose to include it)")
    def included_message(self, help_request):
        message = help_request.message
        if message is None:
            return "Not included."
        return "(message removed)" if message.removed_at else message.text

    def get_urls(self):
        clear = self.admin_site.admin_view(self.clear_view)
        return [
            path("<path:object_id>/clear/", clear, name="safety_helprequest_clear"),
            *super().get_urls(),
        ]

    def clear_view(self, request, object_id):
        """Confirm clearing one hold, with the required note of what was done."""
        if not self.may_clear(request):
            raise PermissionDenied
        if not is_possible_pk(HelpRequest, object_id):
            raise Http404
        help_request = HelpRequest.objects.filter(pk=object_id).first()
        if help_request is None:
            raise Http404
        change_url = reverse("admin:safety_helprequest_change", args=[help_request.pk])
        if not help_request.is_open:
            messages.info(request, services.ALREADY_CLEARED)
            return redirect(change_url)
        form = ClearHoldForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                cleared = services.hold_clear(
                    help_request_id=help_request.pk,
                    staff_user=request.user,
                    note=form.cleaned_data["note"],
                )
            except services.SafetyError as exc:
                form.add_error("note", str(exc))
            else:
                messages.success(
                    request,
                    f"Hold {cleared.pk} cleared at {local_time(cleared.cleared_at)}, with your "
                    "note. The member may be matched again.",
                )
                return redirect(reverse("admin:safety_helprequest_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Clear hold {help_request.pk}?",
            "opts": self.model._meta,
            "help_request": help_request,
            "is_peer_concern": help_request.reason == HoldReason.PEER_CONCERN,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/safety/helprequest/clear.html", context)


# --- Blocks ------------------------------------------------------------------------


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    """Blocks are made by members; staff read them (and may lift one by deleting it)."""

    list_display = ["blocker", "blocked", "reason", "created_at"]
    list_select_related = ["blocker", "blocked"]
    search_fields = [
        "blocker__display_name",
        "blocked__display_name",
        "blocker__user__email",
        "blocked__user__email",
    ]
    date_hierarchy = "created_at"
    readonly_fields = ["blocker", "blocked", "reason", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Reports -----------------------------------------------------------------------

REPORT_CHECKINS_SHOWN = 5
REPORT_PAGE_ACTIONS = {
    ReportAction.CLOSE: "Close without action",
    ReportAction.END_MATCH: "End the reported match",
    ReportAction.BLOCK: "Block the reported member for the reporter",
    ReportAction.PAUSE_MENTOR: "Pause the reported mentor",
}


class ReportActForm(forms.Form):
    note = forms.CharField(
        label="Note",
        help_text="Required. Kept in the report's history with your name and the time.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write a note: it is kept with the report."},
    )


@admin.register(Report)
class ReportAdmin(AuditedReads, admin.ModelAdmin):
    """Members' reports, open first: staff read the context and act through services."""

    audit_parts = (RecordPart.REPORT, RecordPart.CHECK_INS)

    list_display = ["report_id", "status", "who", "kind", "age", "match_link", "action", "acted_by"]
    list_filter = ["status", "action", "created_at"]
    list_select_related = ["match", "acted_by", "reporter", "reported"]
    date_hierarchy = "created_at"
    # Acting on a report happens on its page, one report at a time, confirmed with a note.
    actions = None
    change_form_template = "admin/matching/report/change_form.html"
    fields = [
        "status",
        "created_at",
        "reporter",
        "reported",
        "match_link",
        "text",
        "reported_messages",
        "last_checkins",
        "action",
        "acted_by",
        "acted_at",
        "staff_notes",
        "staff_alerted_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        open_first = Case(When(status=ReportStatus.OPEN, then=0), default=1)
        return super().get_queryset(request).order_by(open_first, "-created_at")

    # Reports come from members and change only through the actions below.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def audit_member_ids(self, report):
        return [report.reporter_id, report.reported_id]

    def audit_parts_for(self, report):
        # A report about a message shows it and the ten before it: staff read messages.
        parts = list(self.audit_parts)
        if report.message_id is not None:
            parts.append(RecordPart.MESSAGES)
        return parts

    @admin.display(description="Report", ordering="pk")
    def report_id(self, report):
        return f"Report {report.pk}"

    @admin.display(description="Match")
    def match_link(self, report):
        if report.match_id is None:
            return "–"
        url = reverse("admin:matching_match_change", args=[report.match_id])
        return format_html(
            '<a href="{}">Match {} ({})</a>',
            url,
            report.match_id,
            report.match.get_state_display().lower(),
        )

    @admin.display(description="Reported message and the ten before it")
    def reported_messages(self, report):
        if report.message_id is None:
            return "–"
        rows = format_html_join(
            "\n",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M"),
                    ("Reporter" if message.sender_id == report.reporter_id else "Reported member")
                    + (" (the reported message)" if message.pk == report.message_id else ""),
                    "(message removed)" if message.removed_at else message.text,
                )
                for message in context_for_staff(report.message)
            ),
        )
        return format_html(
            "<table><thead><tr><th>When</th><th>From</th><th>Message</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="Last check-ins of the match")
    def last_checkins(self, report):
        if report.match_id is None:
            return "–"
        checkins = CheckIn.objects.filter(match_id=report.match_id).select_related("author")[
            :REPORT_CHECKINS_SHOWN
        ]
        if not checkins:
            return "None yet."
        rows = format_html_join(
            "\n",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    timezone.localtime(checkin.created_at).strftime("%Y-%m-%d %H:%M"),
                    checkin.author.display_name,
                    checkin.get_connected_display(),
                    checkin.rating or "–",
                    "yes" if checkin.concern else "no",
                    checkin.note,
                )
                for checkin in checkins
            ),
        )
        return format_html(
            "<table><thead><tr><th>When</th><th>By</th><th>Connected</th><th>Rating</th>"
            "<th>Concern</th><th>Note</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="Who")
    def who(self, report):
        return f"{report.reporter.display_name} about {report.reported.display_name}"

    @admin.display(description="About")
    def kind(self, report):
        return "A message" if report.message_id else "A peer"

    @admin.display(description="Age", ordering="created_at")
    def age(self, report):
        return f"{timesince(report.created_at)} ago"

    @admin.display(description="Staff notes")
    def staff_notes(self, report):
        entries = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Report), object_id=str(report.pk)
        ).select_related("user")
        if not entries:
            return "None yet."
        return format_html_join(
            "\n",
            "<p>{} ({}): {}</p>",
            (
                (
                    entry.user.get_username(),
                    timezone.localtime(entry.action_time),
                    entry.change_message,
                )
                for entry in entries
            ),
        )

    def get_urls(self):
        act = self.admin_site.admin_view(self.act_view)
        return [
            path("<id:object_id>/act/<str:action>/", act, name="matching_report_act"),
            *super().get_urls(),
        ]

    def act_view(self, request, object_id, action):
        """Confirm one action on one report, with the required note kept in its history."""
        if not super().has_change_permission(request):
            raise PermissionDenied
        report = get_object_or_404(Report, pk=object_id)
        if action not in REPORT_PAGE_ACTIONS:
            raise Http404
        change_url = reverse("admin:matching_report_change", args=[report.pk])
        form = ReportActForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                services.report_act(report_id=report.pk, action=action, staff_user=request.user)
            except MatchError as exc:
                form.add_error(None, str(exc))
            else:
                label = ReportAction(action).label
                self.log_change(request, report, f"{label}. Note: {form.cleaned_data['note']}")
                self.message_user(
                    request, f"Report {report.pk}: {label.lower()}.", messages.SUCCESS
                )
                return redirect(reverse("admin:matching_report_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{REPORT_PAGE_ACTIONS[action]}?",
            "opts": self.model._meta,
            "report": report,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/matching/report/act.html", context)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["report_actions"] = [
            (reverse("admin:matching_report_act", args=[obj.pk, action]), label)
            for action, label in REPORT_PAGE_ACTIONS.items()
            if obj is not None
            and obj.status == ReportStatus.OPEN
            and (action != ReportAction.END_MATCH or obj.match_id)
        ]
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)
