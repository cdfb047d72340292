from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API"

    def ready(self):
        # Registers the bearer token scheme with the OpenAPI schema.
        from . import schema  # noqa: F401
