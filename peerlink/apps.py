from django.apps import AppConfig, apps
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate


class PeerLinkAdminConfig(AdminConfig):
    """Django's admin, on a site that asks staff for their second factor."""

    default_site = "peerlink.admin_site.PeerLinkAdminSite"


class PeerLinkConfig(AppConfig):
    """The project's own parts: after every `migrate`, beat's schedule follows
    `peerlink.periodic_tasks.PERIODIC_TASKS`."""

    name = "peerlink"
    verbose_name = "PeerLink"

    def ready(self):
        # Django loads models after this module: the schedule's module reads
        # django-celery-beat's models, so it is imported once they are ready.
        from . import periodic_tasks

        post_migrate.connect(
            periodic_tasks.sync_after_migrate,
            sender=apps.get_app_config("django_celery_beat"),
            dispatch_uid="peerlink.sync_periodic_tasks",
        )
