"""Schedule the daily purge of audit rows past their retention period.

Idempotent: an existing task of the same name is left as staff configured it.
"""

from django.db import migrations


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.get_or_create(
        name="Purge audit rows past their retention period",
        defaults={"task": "audit.purge_expired", "crontab": nightly},
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="audit.purge_expired").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_refuse_changes_on_postgresql"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
