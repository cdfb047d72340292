from django.apps import AppConfig


class SafetyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "safety"
    verbose_name = "Crisis safety"

    def ready(self):
        # Register this app's part of a member's export, deletion and retention.
        from . import privacy  # noqa: F401
