from django.contrib import admin, messages

from audit.admin import AuditedReads
from audit.models import RecordPart

from . import services
from .models import HelpRequest, SafetySettings


@admin.register(SafetySettings)
class SafetySettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "hold_on_checkin_concern"]

    def has_add_permission(self, request):
        return not SafetySettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class OpenHoldFilter(admin.SimpleListFilter):
    title = "hold"
    parameter_name = "hold"

    def lookups(self, request, model_admin):
        return [("open", "Still held"), ("cleared", "Cleared")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(cleared_at__isnull=True)
        if self.value() == "cleared":
            return queryset.filter(cleared_at__isnull=False)
        return queryset


@admin.register(HelpRequest)
class HelpRequestAdmin(AuditedReads, admin.ModelAdmin):
    audit_parts = (RecordPart.HOLD,)
    list_display = [
        "created_at",
        "member",
        "reason",
        "may_contact",
        "staff_alerted_at",
        "cleared_at",
        "cleared_by",
    ]
    list_filter = [OpenHoldFilter, "reason", "created_at"]
    list_select_related = ["member", "cleared_by"]
    readonly_fields = [field.name for field in HelpRequest._meta.fields]
    actions = ["clear_holds"]

    # How to reach the member shows only on the hold's own page, behind a reason.
    def audit_member_ids(self, help_request):
        return [help_request.member_id]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description="Clear the hold: the member may be matched again", permissions=["change"]
    )
    def clear_holds(self, request, queryset):
        count = services.holds_clear(
            help_request_ids=list(queryset.values_list("pk", flat=True)), staff_user=request.user
        )
        self.message_user(request, f"{count} member(s) no longer held.", messages.SUCCESS)
