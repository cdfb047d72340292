from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from audit.admin import AuditedReads
from audit.models import RecordPart
from matching.services import open_requests_recheck
from peerlink.admin_site import ReadOnlyAdmin, is_possible_pk
from steps.selectors import step_counts

from . import selectors, services
from .export import STAFF_EXPORT_FILENAME, staff_member_data_export
from .models import ConsentRecord, Language, Member, Role, Tag, User, VettingStatus


class EmailUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    ordering = ["email"]
    list_display = ["email", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]


class AccountFilter(admin.SimpleListFilter):
    """Active accounts, or deleted ones (kept as ids only; never match or contact them)."""

    title = "account"
    parameter_name = "account"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("deleted", "Deleted")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "deleted":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


@admin.register(Member)
class MemberAdmin(AuditedReads, admin.ModelAdmin):
    audit_parts = (RecordPart.PROFILE,)
    list_display = [
        "display_name",
        "account",
        "role",
        "vetting",
        "paused",
        "mentor_capacity",
        "time_zone",
        "onboarded",
        "last_active_at",
        "created_at",
    ]
    list_filter = [
        AccountFilter,
        "role",
        "vetting_status",
        "is_paused",
        "recovery_goal",
        "open_to_harm_reduction",
        "languages",
        "tags",
    ]
    search_fields = ["display_name", "user__email"]
    list_select_related = ["user", "vetted_by"]
    list_per_page = 50
    autocomplete_fields = ["user"]
    filter_horizontal = ["languages", "tags"]
    readonly_fields = [
        "vetted_by",
        "vetted_at",
        "held_at",
        "last_active_at",
        "onboarding_step",
        "onboarded_at",
        "created_at",
        "updated_at",
        "steps_summary",
    ]
    # Safe actions first; deleting accounts last, for superusers only (see below).
    actions = ["approve_mentors", "reject_mentors", "delete_accounts"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "user",
                    "role",
                    "display_name",
                    "pronouns",
                    "gender",
                    "gender_self_description",
                    "birth_year",
                    "languages",
                    "time_zone",
                ]
            },
        ),
        (
            "Recovery",
            {
                "fields": [
                    "recovery_goal",
                    "recovery_start_date",
                    "tags",
                    "bio",
                    "preferred_mentor_genders",
                    "availability",
                ]
            },
        ),
        (
            "Mentor",
            {
                "fields": [
                    "vetting_status",
                    "vetted_by",
                    "vetted_at",
                    "capacity",
                    "is_paused",
                    "open_to_harm_reduction",
                    "training_note",
                ]
            },
        ),
        (
            "Sharing with a matched peer",
            {
                "classes": ["collapse"],
                "fields": [
                    "share_display_name",
                    "share_pronouns",
                    "share_gender",
                    "share_age_range",
                    "share_pathways",
                    "share_substances",
                    "share_life_situation",
                    "share_community",
                    "share_languages",
                    "share_bio",
                    "share_recovery_goal",
                    "share_availability",
                    "share_contact",
                    "contact_details",
                ],
            },
        ),
        # Staff see how many steps a member keeps, never their words.
        ("My steps", {"fields": ["steps_summary"]}),
        (
            "Activity",
            {
                "fields": [
                    "last_active_at",
                    "onboarding_step",
                    "onboarded_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return selectors.members_for_admin()

    def get_fieldsets(self, request, obj=None):
        # Vetting, capacity and pausing are a mentor's: a newcomer's page leaves them out.
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not obj.is_mentor:
            fieldsets = [(name, options) for name, options in fieldsets if name != "Mentor"]
        return fieldsets

    # A member is never deleted row by row: that would skip closing their matches and
    # anonymising what names them. `delete_accounts` goes through the deletion service.
    def has_delete_permission(self, request, obj=None):
        return False

    def has_delete_accounts_permission(self, request):
        return request.user.is_superuser

    @admin.display(description="Vetting", ordering="vetting_status")
    def vetting(self, member):
        return member.get_vetting_status_display() if member.is_mentor else "–"

    @admin.display(description="Paused", ordering="is_paused")
    def paused(self, member):
        if not member.is_mentor:
            return "–"
        return "Paused" if member.is_paused else "No"

    @admin.display(description="Capacity", ordering="capacity")
    def mentor_capacity(self, member):
        return member.capacity if member.is_mentor else "–"

    @admin.display(description="Steps")
    def steps_summary(self, member) -> str:
        counts = step_counts(member)
        active = counts["active"]
        retired = counts["total"] - active
        summary = f"{active} step{'s' if active != 1 else ''}, {counts['shared']} shared"
        return summary + (f" ({retired} retired)" if retired else "")

    def audit_member_ids(self, member):
        return [member.pk]

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)

        def staff_only(request, object_id):
            # Anyone but staff is told there is nothing here, not asked to sign in.
            if not (request.user.is_active and request.user.is_staff):
                raise Http404("No such page.")
            return export(request, object_id)

        return [
            path("<path:object_id>/export/", staff_only, name="members_member_export"),
            *super().get_urls(),
        ]

    def export_view(self, request, object_id):
        """Download a member's data for them (e.g. they cannot sign in): POST only,
        after the reason step, recorded as one staff read of their export."""
        object_id = unquote(object_id)
        member = self.get_object(request, object_id) if is_possible_pk(Member, object_id) else None
        if member is None:
            raise Http404("No such member.")
        if not self.has_view_or_change_permission(request, member):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        reason = self.fresh_reason(request, member.pk)
        if reason is None:
            self.message_user(
                request,
                "Say why you are opening this record, then download the member's data.",
                messages.WARNING,
            )
            return redirect(reverse("admin:members_member_change", args=[member.pk]))
        data = staff_member_data_export(staff_user=request.user, member=member, reason=reason)
        response = JsonResponse(data, json_dumps_params={"indent": 2})
        response["Content-Disposition"] = f'attachment; filename="{STAFF_EXPORT_FILENAME}"'
        return response

    @admin.display(boolean=True, description="Onboarded", ordering="onboarded_at")
    def onboarded(self, member):
        return member.onboarded_at is not None

    @admin.display(description="Account", ordering="deleted_at")
    def account(self, member):
        return "Deleted" if member.is_deleted else "Active"

    def _vet(self, request, queryset, status):
        # Count before acting: on a list filtered by vetting status, the members just
        # vetted no longer match the filter.
        deleted = queryset.filter(deleted_at__isnull=False).count()
        queryset = queryset.filter(deleted_at__isnull=True)
        skipped = queryset.exclude(role=Role.MENTOR).count()
        mentor_ids = list(queryset.filter(role=Role.MENTOR).values_list("pk", flat=True))
        for member_id in mentor_ids:
            services.mentor_set_vetting(member_id=member_id, status=status, staff_user=request.user)
        count = len(mentor_ids)
        label = VettingStatus(status).label.lower()
        self.message_user(request, f"{count} mentor(s) marked {label}.", messages.SUCCESS)
        if deleted:
            self.message_user(
                request,
                f"{deleted} deleted account(s) skipped: they cannot be vetted or matched.",
                messages.WARNING,
            )
        if skipped:
            self.message_user(
                request,
                f"{skipped} newcomer(s) skipped: only mentors are vetted.",
                messages.WARNING,
            )

    @admin.action(description="Approve selected mentors", permissions=["change"])
    def approve_mentors(self, request, queryset):
        self._vet(request, queryset, VettingStatus.APPROVED)

    @admin.action(description="Reject selected mentors", permissions=["change"])
    def reject_mentors(self, request, queryset):
        self._vet(request, queryset, VettingStatus.REJECTED)

    @admin.action(
        description="Delete selected accounts, as a member would",
        permissions=["delete_accounts"],
    )
    def delete_accounts(self, request, queryset):
        """Ask once, on a page of its own, before anything is deleted."""
        members = list(queryset.filter(deleted_at__isnull=True).order_by("pk"))
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"Delete {len(members)} account(s)?",
                "members": members,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/members/member/delete_accounts.html", context)
        deleted = 0
        for member in members:
            if services.delete_account(member=member):
                # The admin's history keeps which staff member deleted the account.
                self.log_change(request, member, "Deleted the account, as a member would.")
                deleted += 1
        self.message_user(
            request,
            f"{deleted} account(s) deleted: their matches are closed and their data anonymised.",
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        # A vetting decision made on the edit page is recorded like the action.
        if change and "vetting_status" in form.changed_data:
            super().save_model(request, obj, form, change)
            services.mentor_set_vetting(
                member_id=obj.pk,
                status=obj.vetting_status,
                staff_user=request.user,
                previous_status=form.initial.get("vetting_status"),
            )
        else:
            super().save_model(request, obj, form, change)
        if change and {"is_paused", "held_for_review"} & set(form.changed_data):
            # Open requests the pair rule no longer allows move on, as on any other path.
            open_requests_recheck(member_id=obj.pk)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "peer_phrase", "is_active", "sort_order"]
    list_filter = ["category", "is_active"]
    list_editable = ["is_active", "sort_order"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name", "code"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    """Members' sharing choices, as they made them: staff may read, never change."""

    list_display = ["member", "category", "granted", "source", "recorded_at"]
    list_filter = ["category", "granted", "source"]
    list_select_related = ["member"]
    date_hierarchy = "recorded_at"
    raw_id_fields = ["member"]
