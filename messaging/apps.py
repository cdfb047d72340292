from django.apps import AppConfig


class MessagingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "messaging"
    verbose_name = "Messages between matched peers"

    def ready(self):
        # Register the crisis-phrase alert task in web, worker and beat processes, and
        # this app's part of a member's export, deletion and retention.
        from . import alerts, privacy  # noqa: F401
