"""Schedule the sweep that re-sends staff alerts the broker never delivered.

Idempotent: an existing task of the same name is left as staff configured it.
"""

from django.db import migrations


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Re-send undelivered help-now alerts",
        defaults={"task": "safety.sweep", "interval": every_minute},
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="safety.sweep").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("safety", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
