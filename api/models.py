"""API tokens: a member's personal access tokens and staff-issued integration tokens.

Only a SHA-256 digest of each token is stored; the token itself is shown once.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    REPORTING_READ = "reporting:read", "Read reporting numbers"
    STAFF_WRITE = "staff:write", "Staff actions"


class PersonalToken(models.Model):
    """A token a member creates on their profile to use the API as themselves."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="personal_tokens"
    )
    name = models.CharField(max_length=60, help_text="What the token is for, e.g. “my phone”.")
    prefix = models.CharField(max_length=8, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.name

    def is_usable(self) -> bool:
        return self.revoked_at is None


class IntegrationToken(models.Model):
    """A token staff issue in the admin for a programme's own tools, limited to scopes."""

    name = models.CharField(max_length=80, help_text="The tool or programme it is for.")
    scopes = models.JSONField(default=list, help_text="What the token may do.")
    prefix = models.CharField(max_length=8, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Optional: the token stops working at this time."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.name

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def issuer_may_act(self) -> bool:
        """Whether the staff member who issued the token could still issue it: an active
        staff account that keeps the permission to issue integration tokens. A token
        never does more than its issuer may."""
        issuer = self.created_by
        return (
            issuer.is_active
            and issuer.is_staff
            and issuer.has_perm(f"{self._meta.app_label}.add_{self._meta.model_name}")
        )
