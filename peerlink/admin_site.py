"""The staff admin: signed in through the members' sign-in page, with a second factor.

The admin's own login form is never used: it would be a second password form
to protect, and it cannot ask for a code. Every admin page, the login page
included, sends a visitor on to the one step they are missing. Bulk actions
check the ids they are given, like every other form and address.

The index is laid out by job (the programme's pages, matching, members and
vetting, safety, ...), not by Django app. Sign-in records, accounts and groups,
the beat schedule and integration tokens are the site's internals: only
superusers see them on the index or may open their pages.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models.base import ModelBase
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from solo.admin import SingletonModelAdmin

from .ids import parse_id


def staff_passed_second_factor(request) -> bool:
    """Return whether this session's staff member has passed their second factor."""
    if request.user.email.lower() in settings.PEERLINK_STAFF_MFA_EXEMPT:
        return True
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def is_possible_pk(model, value: str) -> bool:
    """Return whether `value` could be the primary key of a row of `model`."""
    field = model._meta.pk
    if isinstance(field, models.IntegerField | models.AutoField):
        return parse_id(value) is not None
    try:
        field.to_python(value)
    except ValidationError:
        return False
    return True


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records staff may read but never add, change or delete (runs, consent, audit rows)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProgrammeSettingsAdmin(SingletonModelAdmin):
    """A programme's settings: one row, never added or deleted (django-solo); the list
    opens that row, creating it with the defaults if need be."""

    def changelist_view(self, request, extra_context=None):
        opts = self.model._meta
        settings_row = self.model.get_solo()
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", settings_row.pk)


class SelectedIdsChecked:
    """Bulk actions: a selected id no row could have (a word, 30 digits) is dropped,
    so the action acts on the rest, or says nothing was selected, never a server error."""

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        possible = [value for value in selected if is_possible_pk(self.model, value)]
        if possible != selected:
            request.POST = request.POST.copy()
            request.POST.setlist(helpers.ACTION_CHECKBOX_NAME, possible)
        return super().response_action(request, queryset)


# The site's internals: sign-in records, accounts and groups, second factors, the
# beat schedule and integration tokens.
SUPERUSER_ONLY_APPS = {"auth", "axes", "account", "mfa", "django_celery_beat", "api"}
SUPERUSER_ONLY_MODELS = {"members.user"}


def is_superuser_only(model) -> bool:
    return (
        model._meta.app_label in SUPERUSER_ONLY_APPS
        or model._meta.label_lower in SUPERUSER_ONLY_MODELS
    )


class SuperusersOnly:
    """Hidden from the index, and every page refused, for staff who are not superusers."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


# The index, one section per job. An entry is a registered model ("app.model") or a
# page of its own: (name, url name, query string, the permission that shows it).
PROGRAMME_SECTION = (
    "programme",
    "Programme",
    [
        ("Programme dashboard", "programme:dashboard", "", "programme.view_dashboard"),
        ("Needs a person", "programme:queue", "", "programme.view_queue"),
    ],
)
JOB_SECTIONS = [
    PROGRAMME_SECTION,
    (
        "matching",
        "Matching",
        [
            "matching.match",
            ("Unmatched queue", "admin:matching_match_queue", "", "matching.view_match"),
            "matching.suggestionlist",
            "matching.batchrun",
            "matching.matchingsettings",
        ],
    ),
    (
        "members",
        "Members & vetting",
        [
            "members.member",
            (
                "Mentors waiting for review",
                "admin:members_member_changelist",
                "?role__exact=mentor&vetting_status__exact=pending",
                "members.view_member",
            ),
            "members.consentrecord",
        ],
    ),
    (
        "safety",
        "Safety",
        [
            "safety.helprequest",
            "matching.report",
            (
                "Check-in concerns",
                "admin:checkins_checkin_changelist",
                "?concern_state=open",
                "checkins.view_checkin",
            ),
            "matching.block",
            "safety.safetysettings",
        ],
    ),
    (
        "checkins",
        "Check-ins",
        [
            "checkins.checkin",
            "checkins.matchcadence",
            "checkins.reminder",
            "checkins.checkinsettings",
            "recovery.recoverycheck",
        ],
    ),
    ("messages", "Messages", ["messaging.conversation", "messaging.messagingsettings"]),
    ("audit", "Audit", ["audit.staffread", "audit.disclosure"]),
    (
        "content",
        "Content",
        [
            "safety.resourcespage",
            "recovery.instrument",
            "recovery.instrumentversion",
            "members.tag",
            "members.language",
        ],
    ),
]
OTHER_SECTION = ("other", "Other")
SYSTEM_SECTION = ("system", "Site internals (superusers)")


class PeerLinkAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        """Register every model admin, third-party ones included, with its ids checked;
        the site's internals for superusers only."""
        admin_class = admin_class or admin.ModelAdmin
        if isinstance(model_or_iterable, ModelBase):
            model_or_iterable = [model_or_iterable]
        for model in model_or_iterable:
            bases = (SelectedIdsChecked, admin_class)
            if is_superuser_only(model):
                bases = (SelectedIdsChecked, SuperusersOnly, admin_class)
            super().register(model, type(admin_class.__name__, bases, {}), **options)

    def get_app_list(self, request, app_label=None):
        """Return the index's sections, one per job; an app's own page lists its models."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        models = {
            entry["model"]._meta.label_lower: entry
            for app in self._build_app_dict(request).values()
            for entry in app["models"]
        }
        sections = []
        for slug, name, entries in JOB_SECTIONS:
            rows = [self._section_row(request, entry, models) for entry in entries]
            sections.append(self._section(slug, name, [row for row in rows if row]))
        rest = sorted(models.values(), key=lambda entry: entry["name"])
        sections.append(
            self._section(*OTHER_SECTION, [e for e in rest if not is_superuser_only(e["model"])])
        )
        sections.append(
            self._section(*SYSTEM_SECTION, [e for e in rest if is_superuser_only(e["model"])])
        )
        return [section for section in sections if section["models"]]

    def _section_row(self, request, entry, models: dict) -> dict | None:
        if isinstance(entry, str):
            return models.pop(entry, None)
        name, url_name, query, permission = entry
        if not request.user.has_perm(permission):
            return None
        try:
            url = reverse(url_name, current_app=self.name) + query
        except NoReverseMatch:
            return None
        return {
            "name": name,
            "object_name": url_name.replace(":", "_"),
            "perms": {"view": True},
            "admin_url": url,
            "add_url": None,
            "view_only": True,
        }

    def _section(self, slug: str, name: str, rows: list[dict]) -> dict:
        return {
            "name": name,
            "app_label": slug,
            "app_url": reverse("admin:index", current_app=self.name) + f"#section-{slug}",
            "has_module_perms": True,
            "models": rows,
        }

    def has_permission(self, request):
        return super().has_permission(request) and staff_passed_second_factor(request)

    def login(self, request, extra_context=None):
        """Send the visitor to the step they are missing: sign in, set up a code, or enter it."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, reverse("account_login"))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        if self.has_permission(request):
            return redirect(next_url)
        if not is_mfa_enabled(user, [Authenticator.Type.TOTP]):
            return redirect("mfa_activate_totp")
        return redirect_to_login(next_url, reverse("mfa_reauthenticate"))
