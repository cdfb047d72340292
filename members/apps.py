from django.apps import AppConfig


class MembersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "members"
    verbose_name = "Members"

    def ready(self):
        # Register the models members' own export, deletion and retention cover.
        from . import privacy  # noqa: F401
