from django.apps import AppConfig


class MatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "matching"
    verbose_name = "Matching"

    def ready(self):
        # Register this app's part of a member's export, deletion and retention.
        from . import privacy  # noqa: F401
