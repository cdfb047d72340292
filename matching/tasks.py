"""Celery tasks for matching. Tasks take ids only and are idempotent."""

import datetime
import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.utils import timezone

from peerlink.queue import enqueue

from .batch import batch_run_compute, batch_run_fail, stalled_runs
from .models import Match, MatchNotification, MatchState, MemberNotification, Report
from .notifications import send_match_email, send_member_email, send_report_alert
from .services import (
    answer_reminders_record,
    match_expire,
    suggestions_recompute,
    suggestions_recompute_for,
)

logger = logging.getLogger(__name__)


@shared_task(name="peerlink.ping")
def ping() -> str:
    """Answer 'pong': lets operators and the smoke test see a worker run a task."""
    return "pong"


@shared_task(
    name="matching.send_match_notification",
    bind=True,
    max_retries=5,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
)
def send_match_notification(self, match_id: int, event: str) -> None:
    """Email the person a match event concerns (request, accept, decline, expiry)."""

    send_match_email(match_id=match_id, event=event)


@shared_task(
    name="matching.send_member_notification",
    max_retries=5,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
)
def send_member_notification(notification_id: int) -> None:
    """Email a member about their own standing (staff approved them as a mentor)."""

    send_member_email(notification_id=notification_id)


# Errors worth another try: the database or the network went away for a moment.
TRANSIENT_ERRORS = (DatabaseOperationalError, InterfaceError, OSError)


@shared_task(
    name="matching.compute_batch_run",
    bind=True,
    max_retries=3,
    # Scoring a large programme takes longer than an email; still well inside
    # the broker's visibility timeout, and shorter than `batch.STALLED_AFTER`.
    soft_time_limit=600,
    time_limit=660,
)
def compute_batch_run(self, run_id: int) -> None:
    """Compute a matching run staff started; a run already done or failed is left alone."""

    try:
        batch_run_compute(run_id=run_id)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
        logger.warning("Matching run %s failed after retries: %s", run_id, type(exc).__name__)
        batch_run_fail(run_id=run_id, kind="the database or network was unavailable")
    except SoftTimeLimitExceeded:
        logger.warning("Matching run %s ran out of time", run_id)
        batch_run_fail(run_id=run_id, kind="it took longer than ten minutes")
    except Exception as exc:
        # The error's type only: its message could quote a member's data.
        logger.warning("Matching run %s failed: %s", run_id, type(exc).__name__)
        batch_run_fail(run_id=run_id, kind="an unexpected error")


@shared_task(name="matching.remind_mentors_of_answers_due")
def remind_mentors_of_answers_due() -> int:
    """Record and enqueue one reminder for each request that moves on within a day."""

    match_ids = answer_reminders_record()
    logger.info("Reminded mentors of %d requests", len(match_ids))
    return len(match_ids)


@shared_task(
    name="matching.alert_staff_of_report",
    max_retries=5,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
)
def alert_staff_of_report(report_id: int) -> None:
    """Tell staff at once that a member reported a concern."""

    send_report_alert(report_id=report_id)


@shared_task(name="matching.expire_requests")
def expire_requests() -> int:
    """Expire requests whose time is up; each moves to the newcomer's next choice."""

    due = Match.objects.filter(
        state=MatchState.AWAITING_MENTOR, expires_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    match_ids = list(due[:500])
    for match_id in match_ids:
        match_expire(match_id=match_id)
    logger.info("Expired %d requests", len(match_ids))
    return len(match_ids)


@shared_task(name="matching.send_pending_notifications")
def send_pending_notifications() -> int:
    """Enqueue match emails that were recorded but never sent (the broker was down),
    and matching runs whose task was lost."""

    cutoff = timezone.now() - datetime.timedelta(minutes=2)
    pending = list(
        MatchNotification.objects.filter(sent_at=None, created_at__lt=cutoff).values_list(
            "match_id", "event"
        )[:1000]
    )
    for match_id, event in pending:
        enqueue(send_match_notification, match_id, event)
    reports = list(
        Report.objects.filter(staff_alerted_at=None, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:1000]
    )
    for report_id in reports:
        enqueue(alert_staff_of_report, report_id)
    member_emails = list(
        MemberNotification.objects.filter(sent_at=None, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:1000]
    )
    for notification_id in member_emails:
        enqueue(send_member_notification, notification_id)
    stalled = stalled_runs()
    for run_id in stalled:
        enqueue(compute_batch_run, run_id)
    return len(pending) + len(reports) + len(member_emails) + len(stalled)


@shared_task(name="matching.recompute_suggestions", soft_time_limit=300, time_limit=360)
def recompute_suggestions() -> int:
    """Recompute every waiting newcomer's suggestions (the beat runs it every few minutes)."""

    plan = suggestions_recompute()
    logger.info(
        "Suggestions for %d newcomers in %.1f s (%d waiting for room)",
        plan.newcomers,
        plan.seconds,
        plan.waiting_for_room,
    )
    return plan.newcomers


@shared_task(name="matching.recompute_suggestions_for")
def recompute_suggestions_for(newcomer_id: int) -> bool:
    """Recompute one newcomer's suggestions after they finished onboarding or edited."""

    return suggestions_recompute_for(newcomer_id=newcomer_id) is not None
