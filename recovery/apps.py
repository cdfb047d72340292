from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recovery"
    verbose_name = "Recovery check"

    def ready(self):
        # Register this app's part of a member's export, deletion and retention.
        from . import privacy  # noqa: F401
