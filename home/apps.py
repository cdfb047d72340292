from django.apps import AppConfig


class HomeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "home"
    verbose_name = "Member home"

    def ready(self):
        # Register this app's part of a member's export, deletion and retention.
        from . import privacy  # noqa: F401
