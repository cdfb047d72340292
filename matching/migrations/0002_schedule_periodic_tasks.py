"""Schedule matching's periodic work in django-celery-beat's database scheduler.

Idempotent: an existing task of the same name is left as staff configured it.
"""

from django.db import migrations

PERIODIC_TASKS = [
    # (name, task, every, period)
    ("Expire unanswered match requests", "matching.expire_requests", 5, "minutes"),
    ("Send match emails the broker missed", "matching.send_pending_notifications", 1, "minutes"),
]


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period in PERIODIC_TASKS:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in PERIODIC_TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
