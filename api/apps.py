from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API"

    def ready(self):
        # Register the bearer token scheme with the OpenAPI schema, and this app's
        # part of a member's export, deletion and retention.
        from . import privacy, schema  # noqa: F401
