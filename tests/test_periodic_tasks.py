"""Beat's schedule follows the one list in `peerlink/periodic_tasks.py` after every migrate."""

import dataclasses
import datetime

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from peerlink.periodic_tasks import PERIODIC_TASKS, Periodic, sync_periodic_tasks

pytestmark = pytest.mark.django_db


def schedule() -> dict[str, tuple]:
    """Return each scheduled task's (name, minutes between runs or UTC time of day, enabled)."""
    found = {}
    for row in PeriodicTask.objects.select_related("interval", "crontab"):
        assert row.task not in found, f"{row.task} is scheduled twice"
        if row.interval is not None:
            assert row.interval.period == IntervalSchedule.MINUTES
            when = row.interval.every
        else:
            assert (row.crontab.day_of_week, str(row.crontab.timezone)) == ("*", "UTC")
            when = datetime.time(int(row.crontab.hour), int(row.crontab.minute))
        found[row.task] = (row.name, when, row.enabled)
    return found


def expected(entries=PERIODIC_TASKS) -> dict[str, tuple]:
    return {
        entry.task: (entry.name, entry.every_minutes or entry.daily_at, True) for entry in entries
    }


def test_every_periodic_task_is_scheduled_once_after_migrate():
    assert schedule() == expected()
    assert schedule()["checkins.tick"][1] == 1
    assert schedule()["audit.purge_expired"][1] == datetime.time(3, 30)


def test_migrating_again_changes_nothing():
    before = dict(PeriodicTask.objects.values_list("task", "pk"))
    intervals = IntervalSchedule.objects.count()

    call_command("migrate", verbosity=0)
    sync_periodic_tasks()

    assert dict(PeriodicTask.objects.values_list("task", "pk")) == before
    assert IntervalSchedule.objects.count() == intervals
    assert schedule() == expected()


def test_a_changed_interval_is_applied_to_the_existing_row():
    row = PeriodicTask.objects.get(task="matching.expire_requests")
    changed = [
        dataclasses.replace(entry, every_minutes=15)
        if entry.task == "matching.expire_requests"
        else entry
        for entry in PERIODIC_TASKS
    ]

    sync_periodic_tasks(entries=changed)

    assert PeriodicTask.objects.get(task="matching.expire_requests").pk == row.pk
    assert schedule() == expected(changed)
    assert schedule()["matching.expire_requests"][1] == 15


def test_a_task_moved_from_an_interval_to_a_time_of_day_keeps_one_schedule():
    moved = [Periodic("Send due message emails", "messaging.email_tick", daily_at=datetime.time(6))]

    sync_periodic_tasks(entries=moved)

    row = PeriodicTask.objects.get(task="messaging.email_tick")
    assert row.interval is None
    assert (row.crontab.hour, row.crontab.minute) == ("6", "0")


def test_a_schedule_changed_by_hand_or_an_old_name_is_put_right_without_a_duplicate():
    every_hour, _ = IntervalSchedule.objects.get_or_create(every=60, period="minutes")
    PeriodicTask.objects.filter(task="checkins.tick").update(name="Old name", interval=every_hour)
    PeriodicTask.objects.create(name="A second tick", task="checkins.tick", interval=every_hour)

    sync_periodic_tasks()

    assert schedule() == expected()


def test_a_task_staff_paused_stays_paused():
    task = PeriodicTask.objects.get(task="safety.sweep")
    task.enabled = False
    task.save()

    sync_periodic_tasks()

    assert schedule()["safety.sweep"][2] is False


def test_an_entry_has_exactly_one_kind_of_schedule():
    with pytest.raises(ValueError, match="either"):
        Periodic("Nothing", "peerlink.nothing")
    with pytest.raises(ValueError, match="either"):
        Periodic("Both", "peerlink.both", every_minutes=1, daily_at=datetime.time(1))
