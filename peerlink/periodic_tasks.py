"""Every periodic task, in one list, and the step that writes it into beat's schedule.

Beat reads its schedule from the database (django-celery-beat's
`DatabaseScheduler`). After every `migrate`, `sync_periodic_tasks` makes that
schedule match `PERIODIC_TASKS`: a missing task is added, a changed interval,
time or name is applied, and each task is scheduled once, whatever its row was
called before. Whether a task is enabled is left as staff set it, so a task
paused in the admin stays paused. To add, change or drop a periodic task, edit
the list; a task dropped from it is not unscheduled (delete its row in the
admin).
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db import connections, transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class Periodic:
    """A task beat sends every `every_minutes`, or each day at `daily_at` UTC."""

    name: str
    task: str
    every_minutes: int | None = None
    daily_at: datetime.time | None = None

    def __post_init__(self):
        if (self.every_minutes is None) == (self.daily_at is None):
            raise ValueError(f"{self.task}: give either every_minutes or daily_at")


PERIODIC_TASKS = [
    Periodic("Send due check-in reminders", "checkins.tick", every_minutes=1),
    Periodic(
        "Daily digest of matches needing attention",
        "checkins.staff_digest",
        daily_at=datetime.time(8, 0),
    ),
    Periodic("Expire unanswered match requests", "matching.expire_requests", every_minutes=5),
    Periodic(
        "Send match emails the broker missed",
        "matching.send_pending_notifications",
        every_minutes=1,
    ),
    Periodic(
        "Remind mentors of requests that move on tomorrow",
        "matching.remind_mentors_of_answers_due",
        every_minutes=5,
    ),
    Periodic("Recompute newcomers' suggestions", "matching.recompute_suggestions", every_minutes=5),
    Periodic("Send due message emails", "messaging.email_tick", every_minutes=1),
    Periodic("Re-send undelivered help-now alerts", "safety.sweep", every_minutes=1),
    Periodic(
        "Purge data past its retention period", "retention.purge", daily_at=datetime.time(3, 30)
    ),
    Periodic(
        "Purge audit rows past their retention period",
        "audit.purge_expired",
        daily_at=datetime.time(3, 30),
    ),
]


def _schedule_fields(entry: Periodic, using: str) -> dict:
    """Return the schedule columns of the entry's row: exactly one kind of schedule set."""
    fields = {"interval": None, "crontab": None, "solar": None, "clocked": None}
    if entry.every_minutes is not None:
        fields["interval"], _ = IntervalSchedule.objects.using(using).get_or_create(
            every=entry.every_minutes, period=IntervalSchedule.MINUTES
        )
    else:
        fields["crontab"], _ = CrontabSchedule.objects.using(using).get_or_create(
            minute=str(entry.daily_at.minute),
            hour=str(entry.daily_at.hour),
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=zoneinfo.ZoneInfo("UTC"),
        )
    return fields


def sync_periodic_tasks(*, entries: list[Periodic] | None = None, using: str = "default") -> None:
    """Make beat's schedule hold each entry once, with the entry's name and schedule."""
    entries = PERIODIC_TASKS if entries is None else entries
    with transaction.atomic(using=using):
        for entry in entries:
            wanted = {"name": entry.name, **_schedule_fields(entry, using)}
            rows = list(PeriodicTask.objects.using(using).filter(task=entry.task).order_by("pk"))
            if not rows:
                PeriodicTask.objects.using(using).create(task=entry.task, **wanted)
                continue
            row, duplicates = rows[0], rows[1:]
            for duplicate in duplicates:
                duplicate.delete(using=using)
            if any(getattr(row, field) != value for field, value in wanted.items()):
                for field, value in wanted.items():
                    setattr(row, field, value)
                # save(), not update(): it tells a running beat that its schedule changed.
                row.save(using=using)


def sync_after_migrate(sender, using="default", **kwargs) -> None:
    """Receive post_migrate for django-celery-beat, unless its tables were just removed."""
    if PeriodicTask._meta.db_table in connections[using].introspection.table_names():
        sync_periodic_tasks(using=using)
