"""The staff admin: signed in through the members' sign-in page, with a second factor.

The admin's own login form is never used: it would be a second password form
to protect, and it cannot ask for a code. Every admin page, the login page
included, sends a visitor on to the one step they are missing.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def staff_passed_second_factor(request) -> bool:
    """Return whether this session's staff member has passed their second factor."""
    if request.user.email.lower() in settings.PEERLINK_STAFF_MFA_EXEMPT:
        return True
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class PeerLinkAdminSite(admin.AdminSite):
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
