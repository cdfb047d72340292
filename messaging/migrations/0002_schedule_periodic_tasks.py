"""Schedule the "your peer wrote" email outbox in django-celery-beat's database scheduler.

Idempotent: an existing task of the same name is left as staff configured it.
"""

from django.db import migrations


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Send due message emails",
        defaults={"task": "messaging.email_tick", "interval": every_minute},
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="messaging.email_tick").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_conversations"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
