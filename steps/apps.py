from django.apps import AppConfig


class StepsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "steps"
    verbose_name = "My steps"

    def ready(self):
        # Register this app's part of a member's export, deletion and retention.
        from . import privacy  # noqa: F401
