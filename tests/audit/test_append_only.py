"""Audit rows are only ever added; the daily purge removes those past retention."""

import datetime

import pytest
import time_machine
from django.core.checks import run_checks
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import tasks
from audit.models import AuditRowImmutable, Disclosure, StaffRead

pytestmark = pytest.mark.django_db

YEAR = datetime.timedelta(days=365)


def staff_read(at=None) -> StaffRead:
    return StaffRead.objects.create(
        staff_user_id=1, member_id=2, parts=["profile"], reason="audit", at=at or timezone.now()
    )


def disclosure(at=None, viewer_member_id=3) -> Disclosure:
    return Disclosure.objects.create(
        member_id=2,
        viewer_member_id=viewer_member_id,
        category="share_bio",
        first_visible_at=at or timezone.now(),
    )


@pytest.mark.parametrize("make", [staff_read, disclosure])
def test_the_app_refuses_to_change_or_delete_an_audit_row(make):
    row = make()
    model = type(row)

    row.member_id = 99
    with pytest.raises(AuditRowImmutable):
        row.save()
    with pytest.raises(AuditRowImmutable):
        row.delete()
    with pytest.raises(AuditRowImmutable):
        model.objects.filter(pk=row.pk).update(member_id=99)
    with pytest.raises(AuditRowImmutable):
        model.objects.all().delete()

    assert model.objects.get().member_id == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
@pytest.mark.parametrize(
    ("make", "table"), [(staff_read, "audit_staffread"), (disclosure, "audit_disclosure")]
)
def test_postgresql_refuses_raw_sql_updates_and_deletes(make, table):
    make()
    for sql in (f"UPDATE {table} SET member_id = 99", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT member_id FROM {table}")
        assert cursor.fetchall() == [(2,)]


def test_the_daily_purge_removes_only_rows_past_six_years():
    now = timezone.now()
    old_read, old_disclosure = staff_read(now - 7 * YEAR), disclosure(now - 7 * YEAR)
    kept_read, kept_disclosure = staff_read(now - 5 * YEAR), disclosure(now - 5 * YEAR, 4)

    with time_machine.travel(now, tick=False):
        assert tasks.purge_expired() == 2

    assert list(StaffRead.objects.values_list("pk", flat=True)) == [kept_read.pk]
    assert list(Disclosure.objects.values_list("pk", flat=True)) == [kept_disclosure.pk]
    assert not StaffRead.objects.filter(pk=old_read.pk).exists()
    assert not Disclosure.objects.filter(pk=old_disclosure.pk).exists()


def test_a_longer_retention_setting_keeps_rows_longer(settings):
    settings.PEERLINK_AUDIT_RETENTION_YEARS = 8
    row = staff_read(timezone.now() - 7 * YEAR)
    assert tasks.purge_expired() == 0
    assert StaffRead.objects.filter(pk=row.pk).exists()


def test_a_retention_below_six_years_stops_start_up(settings):
    settings.PEERLINK_AUDIT_RETENTION_YEARS = 5
    assert "audit.E001" in [message.id for message in run_checks()]
    settings.PEERLINK_AUDIT_RETENTION_YEARS = 6
    assert "audit.E001" not in [message.id for message in run_checks()]


def test_the_purge_runs_daily_from_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="audit.purge_expired")
    assert task.enabled and task.crontab is not None
