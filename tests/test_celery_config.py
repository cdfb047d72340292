"""The Celery configuration the issue asks for, read from the running app: what
a worker would actually use."""

import typing

from django.conf import settings
from django_celery_beat.models import PeriodicTask

from peerlink.celery import app

PROJECT_PREFIXES = ("checkins.", "matching.", "peerlink.")


def project_tasks():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if name.startswith(PROJECT_PREFIXES)}


def test_workers_acknowledge_late_take_one_message_and_speak_json():
    conf = app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit


def test_no_retry_waits_longer_than_the_redis_visibility_timeout():
    visibility = 3600  # the Redis transport option (base settings)
    tasks = project_tasks()
    assert {"checkins.send_reminders", "checkins.alert_staff_of_concern"} <= set(tasks)
    for name, task in tasks.items():
        if task.max_retries and (
            getattr(task, "autoretry_for", ()) or task.name.endswith("send_reminders")
        ):
            assert task.retry_backoff_max < visibility, name
    # A claim by a dead worker is taken over only after the hard time limit.
    assert app.conf.task_time_limit < settings.PEERLINK_REMINDER_CLAIM_SECONDS


def test_tasks_take_ids_only():
    allowed = {int, list[int]}
    for name, task in project_tasks().items():
        hints = typing.get_type_hints(task.run)
        hints.pop("return", None)
        for parameter, kind in hints.items():
            if parameter == "event":  # a fixed event name such as "accepted", never data
                assert name == "matching.send_match_notification" and kind is str
            else:
                assert kind in allowed, f"{name}({parameter}: {kind})"


def test_periodic_work_is_in_the_database_scheduler(db):
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"
    scheduled = dict(PeriodicTask.objects.values_list("task", "enabled"))
    for task in [
        "checkins.tick",
        "checkins.staff_digest",
        "matching.expire_requests",
        "matching.send_pending_notifications",
    ]:
        assert scheduled.get(task) is True, task
    tick = PeriodicTask.objects.get(task="checkins.tick")
    assert (tick.interval.every, tick.interval.period) == (1, "minutes")
