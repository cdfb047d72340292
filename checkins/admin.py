from django.contrib import admin, messages
from django.db.models import Q
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.urls import path

from audit.admin import AuditedReads
from audit.models import RecordPart
from peerlink.admin_site import ProgrammeSettingsAdmin

from . import services
from .models import CheckIn, CheckinSettings, MatchCadence, Reminder

admin.site.register(CheckinSettings, ProgrammeSettingsAdmin)


@admin.register(MatchCadence)
class MatchCadenceAdmin(admin.ModelAdmin):
    list_display = ["match", "first_after_days", "every_days"]
    raw_id_fields = ["match"]


class OpenConcernFilter(admin.SimpleListFilter):
    title = "concern"
    parameter_name = "concern_state"

    def lookups(self, request, model_admin):
        return [("open", "Open concerns"), ("acknowledged", "Acknowledged concerns")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(concern=True, concern_acknowledged_at__isnull=True)
        if self.value() == "acknowledged":
            return queryset.filter(concern=True, concern_acknowledged_at__isnull=False)
        return queryset


@admin.register(CheckIn)
class CheckInAdmin(AuditedReads, admin.ModelAdmin):
    list_display = [
        "created_at",
        "match",
        "author",
        "connected",
        "rating",
        "concern",
        "concern_acknowledged_by",
        "via_link",
    ]
    list_filter = [OpenConcernFilter, "connected", "via_link", "created_at"]
    list_select_related = ["match__newcomer", "match__mentor", "author", "concern_acknowledged_by"]
    search_fields = ["match__newcomer__display_name", "match__mentor__display_name"]
    readonly_fields = [
        "match",
        "author",
        "connected",
        "rating",
        "concern",
        "note",
        "via_link",
        "created_at",
        "staff_alerted_at",
        "concern_acknowledged_by",
        "concern_acknowledged_at",
    ]
    actions = ["acknowledge_concerns"]
    change_list_template = "admin/checkins/checkin/change_list.html"

    def has_add_permission(self, request):
        return False

    # A check-in speaks of the match: both sides' records are opened.
    def audit_member_ids(self, checkin):
        return [checkin.author_id, checkin.match.newcomer_id, checkin.match.mentor_id]

    def audit_parts_for(self, checkin):
        if checkin.concern:
            return [RecordPart.CHECK_INS, RecordPart.CONCERN]
        return [RecordPart.CHECK_INS]

    @admin.action(description="Acknowledge the selected concerns", permissions=["change"])
    def acknowledge_concerns(self, request, queryset):
        """Each concern through `services.concern_acknowledge`, as the API does: one that
        was already acknowledged keeps who did it and when."""
        acknowledged = already = 0
        for checkin_id in queryset.filter(concern=True).values_list("pk", flat=True):
            try:
                services.concern_acknowledge(checkin_id=checkin_id, staff_user=request.user)
            except services.CheckinError:
                already += 1
            else:
                acknowledged += 1
        if not acknowledged and not already:
            self.message_user(
                request,
                "None of the selected check-ins has a concern to acknowledge.",
                messages.INFO,
            )
            return
        text = f"{acknowledged} concern{pluralize(acknowledged)} acknowledged."
        if already:
            text += f" {already} {pluralize(already, 'was,were')} already acknowledged"
            text += " and is left as it was." if already == 1 else " and are left as they were."
        self.message_user(request, text, messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "needs-attention/",
                self.admin_site.admin_view(self.attention_view),
                name="checkins_attention",
            ),
            *super().get_urls(),
        ]

    def attention_view(self, request):
        # The page moved into the one queue of what needs a person; old links still work.
        return redirect("programme:queue")


class ReminderStateFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [
            ("waiting", "Not sent yet"),
            ("failing", "Failing"),
            ("sent", "Sent"),
            ("skipped", "Skipped"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "waiting":
            return queryset.filter(state="due")
        if value == "failing":
            return queryset.filter(state="due").filter(~Q(last_error=""))
        if value in ("sent", "skipped"):
            return queryset.filter(state=value)
        return queryset


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "match",
        "slot",
        "due_at",
        "state",
        "snoozed",
        "enqueued_at",
        "sent_at",
        "attempts",
        "last_error",
    ]
    list_filter = [ReminderStateFilter, "snoozed", "due_at"]
    list_select_related = ["match__newcomer", "match__mentor"]
    date_hierarchy = "due_at"
    readonly_fields = [field.name for field in Reminder._meta.fields]

    def has_add_permission(self, request):
        return False
