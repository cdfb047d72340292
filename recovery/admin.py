"""Staff enter instruments (by hand or from a JSON file), preview and make them live,
and read one member's answers behind the audited reason step."""

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from audit.admin import AuditedReads
from audit.models import RecordPart
from peerlink.ids import parse_id

from . import scoring, selectors, services
from .forms import RecoveryCheckForm
from .models import Instrument, InstrumentVersion, Item, RecoveryCheck, Threshold

MAX_IMPORT_BYTES = 200_000


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Instrument file (JSON)",
        help_text="The shape is described in the recovery check docs.",
    )


def _locked(version) -> bool:
    """A version is read-only once it is no longer a draft or anyone has answered it."""
    return version is not None and version.is_locked()


class VersionInline(admin.TabularInline):
    model = InstrumentVersion
    fields = ["number", "status", "made_live_at", "open_link"]
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="")
    def open_link(self, version):
        url = reverse("admin:recovery_instrumentversion_preview", args=[version.pk])
        return format_html('<a href="{}">Preview</a>', url)


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["name", "validated", "cadence_days", "created_at"]
    inlines = [VersionInline]
    change_list_template = "admin/recovery/instrument/change_list.html"

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="recovery_instrument_import",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # A new instrument starts with an empty draft version to fill in.
            InstrumentVersion.objects.create(instrument=obj, number=1)

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise Http404
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_IMPORT_BYTES:
                    raise services.InstrumentImportError("The file is too large for an instrument.")
                try:
                    data = json.loads(upload.read().decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as error:
                    raise services.InstrumentImportError(
                        "The file is not valid JSON. Check it against the documented shape."
                    ) from error
                version = services.instrument_import(data=data)
            except services.InstrumentImportError as error:
                form.add_error("file", str(error))
            else:
                self.message_user(
                    request,
                    f"Imported “{version.instrument.name}” as a draft. "
                    "Check the preview, then make it live.",
                    messages.SUCCESS,
                )
                return redirect("admin:recovery_instrumentversion_preview", version.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import an instrument",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/recovery/import.html", context)


class LockableInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return not _locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _locked(obj) and super().has_delete_permission(request, obj)


class ItemInline(LockableInline):
    model = Item
    fields = ["order", "text", "area", "reverse_scored"]


class ThresholdInline(LockableInline):
    model = Threshold
    fields = ["value", "meaning"]


@admin.register(InstrumentVersion)
class InstrumentVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "made_live_at", "answered"]
    list_filter = ["status", "instrument"]
    fields = ["instrument", "number", "status", "intro", "scale_min", "scale_max", "scale_labels"]
    readonly_fields = ["instrument", "number", "status"]
    inlines = [ItemInline, ThresholdInline]
    actions = ["new_version_from"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(answer_count=Count("checks"))

    @admin.display(description="times answered")
    def answered(self, version):
        return version.answer_count

    def has_add_permission(self, request):
        # A version is added by making a new version from another, or by import.
        return False

    def has_change_permission(self, request, obj=None):
        return not _locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _locked(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        services.version_ensure_editable(InstrumentVersion.objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["preview_url"] = obj and reverse(
            "admin:recovery_instrumentversion_preview", args=[obj.pk]
        )
        context["locked"] = _locked(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description="Make a new draft version from the selected", permissions=["view"])
    def new_version_from(self, request, queryset):
        for version_id in queryset.values_list("pk", flat=True):
            draft = services.version_copy_as_draft(version_id=version_id)
            self.message_user(request, f"Made {draft} as a draft.", messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="recovery_instrumentversion_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        """The questionnaire as members will see it; a draft goes live from here."""
        version_id = parse_id(object_id)
        if version_id is None or not self.has_view_permission(request):
            raise Http404
        try:
            version = selectors.version_for_preview(version_id)
        except InstrumentVersion.DoesNotExist as error:
            raise Http404 from error
        if request.method == "POST":
            try:
                if "make_live" in request.POST:
                    services.version_make_live(version_id=version.pk)
                    self.message_user(request, f"{version} is live.", messages.SUCCESS)
                elif "retire" in request.POST:
                    services.version_retire(version_id=version.pk)
                    self.message_user(request, f"{version} is retired.", messages.SUCCESS)
            except services.RecoveryCheckError as error:
                self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:recovery_instrumentversion_preview", version.pk)
        form = RecoveryCheckForm(version=version)
        low, high = scoring.score_range(len(form.items), version.scale_min, version.scale_max)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Preview: {version}",
            "version": version,
            "questions": list(zip(form.visible_fields(), form.items, strict=True)),
            "range": (low, high),
            "opts": self.model._meta,
            "can_change": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/recovery/preview.html", context)


@admin.register(RecoveryCheck)
class RecoveryCheckAdmin(AuditedReads, admin.ModelAdmin):
    """One member's recovery checks: the list names nobody and shows no answers; a check
    opens, with the member's trend, only after staff say why."""

    list_display = ["pk", "taken_at", "version", "member_id"]
    list_filter = ["version"]
    # Staff find one member's checks by their id (from the member's record).
    search_fields = ["=member__id"]
    list_select_related = ["version__instrument"]
    date_hierarchy = "taken_at"
    fields = ["member", "version", "taken_at", "score", "answers_given", "member_trend"]
    readonly_fields = fields
    audit_parts = (RecordPart.RECOVERY_CHECKS,)

    def audit_member_ids(self, check):
        return [check.member_id]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="answers")
    def answers_given(self, check):
        rows = check.answers.select_related("item").order_by("item__order")
        return format_html(
            "<ol>{}</ol>",
            format_html_join_rows((answer.item.text, answer.value) for answer in rows),
        )

    @admin.display(description="this member's trend on this version")
    def member_trend(self, check):
        rows = (
            RecoveryCheck.objects.filter(member_id=check.member_id, version_id=check.version_id)
            .order_by("taken_at", "pk")
            .values_list("taken_at", "score")
        )
        return format_html(
            "<ol>{}</ol>",
            format_html_join_rows((f"{taken:%Y-%m-%d}", score) for taken, score in rows),
        )


def format_html_join_rows(rows):
    return format_html_join("", "<li>{}: {}</li>", rows)
