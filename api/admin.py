"""Integration tokens: issued and revoked here, by staff who passed their second factor
(the admin asks every staff member for it before any page opens)."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from . import services
from .models import IntegrationToken, Scope


class IntegrationTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Read-only reporting, or staff actions. Give a tool only what it needs.",
    )

    class Meta:
        model = IntegrationToken
        fields = ["name", "scopes", "expires_at"]

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError("This time is already past.")
        return expires_at


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(admin.ModelAdmin):
    form = IntegrationTokenForm
    list_display = [
        "name",
        "scopes",
        "created_by",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "scopes", "expires_at"]
        return ["name", "scopes", "expires_at", *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        # An issued token never changes; it can only be revoked (the list's action).
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, secret = services.integration_token_create(
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            created_by=request.user,
            expires_at=form.cleaned_data["expires_at"],
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        # Shown once, on the answer to this very request (response_add): never in the
        # messages cookie or the session, where it would outlive the page.
        request.integration_token_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "integration_token_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        response = TemplateResponse(
            request,
            "admin/api/integrationtoken/issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "token": obj,
                "secret": secret,
                "title": f"The token for “{obj.name}”",
            },
        )
        add_never_cache_headers(response)
        return response

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = services.integration_tokens_revoke(
            token_ids=list(queryset.values_list("pk", flat=True))
        )
        messages.success(request, f"Revoked {count} token(s): they no longer work.")
