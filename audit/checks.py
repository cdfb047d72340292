"""Refuse to start with an audit retention shorter than the legal floor."""

from django.conf import settings
from django.core.checks import Error, register

from .models import MINIMUM_RETENTION_YEARS


@register()
def retention_at_least_six_years(app_configs, **kwargs):
    years = getattr(settings, "PEERLINK_AUDIT_RETENTION_YEARS", None)
    if not isinstance(years, int) or years < MINIMUM_RETENTION_YEARS:
        return [
            Error(
                f"PEERLINK_AUDIT_RETENTION_YEARS must be at least {MINIMUM_RETENTION_YEARS}.",
                hint="Audit rows are kept for six years at least (HIPAA, 42 CFR Part 2).",
                id="audit.E001",
            )
        ]
    return []
