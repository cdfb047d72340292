from django.apps import AppConfig


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = "Audit"

    def ready(self):
        # Register the retention check, and this app's part of a member's export.
        from . import checks, privacy  # noqa: F401
