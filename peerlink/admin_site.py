"""The staff admin: signed in through the members' sign-in page, with a second factor.

The admin's own login form is never used: it would be a second password form
to protect, and it cannot ask for a code. Every admin page, the login page
included, sends a visitor on to the one step they are missing. Bulk actions
check the ids they are given, like every other form and address.
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
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

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


class PeerLinkAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        """Register every model admin, third-party ones included, with its ids checked."""
        admin_class = admin_class or admin.ModelAdmin
        checked = type(admin_class.__name__, (SelectedIdsChecked, admin_class), {})
        super().register(model_or_iterable, checked, **options)

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
