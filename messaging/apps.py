from django.apps import AppConfig


class MessagingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "messaging"
    verbose_name = "Messages between matched peers"

    def ready(self):
        # Register the crisis-phrase alert task in web, worker and beat processes.
        from . import alerts  # noqa: F401
