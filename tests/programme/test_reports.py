"""The printable summary, the funder CSV and the reporting API: each an audited read."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import Scope
from audit.models import AuditRowImmutable, ReportRead
from audit.services import AuditError, purge_expired, record_report_read
from checkins.models import CheckIn
from matching.models import EndedBy, Match, MatchState
from programme import selectors
from programme.periods import Period
from recovery.models import Instrument, InstrumentVersion, RecoveryCheck
from tests.api.conftest import bearer, make_integration_token
from tests.factories import ActiveMatchFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

CSV_URL = reverse("programme:pairings_csv")
REPORTING_DOC = Path(settings.BASE_DIR) / "docs" / "reporting.md"


def download(client, query: str) -> tuple[list[str], list[dict]]:
    response = client.get(CSV_URL + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    reader = csv.reader(io.StringIO(response.content.decode()))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def ended_match():
    now = timezone.now()
    match = ActiveMatchFactory(newcomer=NewcomerFactory(display_name="Philippa"))
    Match.objects.filter(pk=match.pk).update(
        state=MatchState.ENDED,
        ended_at=now - datetime.timedelta(days=1),
        ended_by=EndedBy.MENTOR,
        end_reason="Moving to Leeds; text me on 555-0123",
    )
    CheckIn.objects.create(
        match=match, author=match.newcomer, connected="yes", note="I feel unsafe at home"
    )
    return match


def test_the_pairings_csv_has_one_row_per_match_and_no_names_or_free_text(staff_client):
    match = ended_match()
    header, rows = download(staff_client, "?kind=matches&weeks=4")

    assert header == selectors.PAIRING_COLUMNS
    [row] = rows
    assert row["state"] == "ended" and row["end_reason"] == "mentor"
    assert row["checkins_done"] == "1"
    body = ",".join(row.values())
    for private in ("Philippa", "Leeds", "555-0123", "unsafe", match.newcomer.user.email):
        assert private not in body


def test_each_export_writes_one_audit_row_with_its_kind_period_and_size(staff_client, staff_user):
    ended_match()
    today = timezone.localdate()
    start = today - datetime.timedelta(days=300)
    download(staff_client, f"?kind=matches&start={start:%Y-%m-%d}&end={today:%Y-%m-%d}")
    download(staff_client, "?kind=answers&weeks=4")

    first, second = ReportRead.objects.order_by("pk")
    assert (first.kind, first.staff_user_id, first.rows) == ("pairings_csv", staff_user.pk, 1)
    assert (first.period_start, first.period_end) == (start, today)
    assert (second.kind, second.rows) == ("answers_csv", 0)


def test_the_answers_csv_has_one_row_per_answer(staff_client):
    instrument = Instrument.objects.create(name="=HYPERLINK(evil)")
    version = InstrumentVersion.objects.create(instrument=instrument, number=1, status="live")
    member = NewcomerFactory(display_name="Philippa")
    for key in ("one", "two"):
        RecoveryCheck.objects.create(
            member=member, version=version, score=30, idempotency_key=key, taken_at=timezone.now()
        )

    header, rows = download(staff_client, "?kind=answers")

    assert header == selectors.ANSWER_COLUMNS
    assert len(rows) == 2
    assert rows[0]["member"] == rows[1]["member"]
    # A name a spreadsheet would run as a formula is written as text.
    assert rows[0]["instrument"] == "'=HYPERLINK(evil)"


def test_the_same_member_gets_a_new_pseudonym_in_every_export(staff_client):
    ended_match()
    _, first = download(staff_client, "?kind=matches")
    _, second = download(staff_client, "?kind=matches")
    assert first[0]["newcomer"] != second[0]["newcomer"]


@pytest.mark.parametrize("query", ["?start=2026-02-01&end=2026-01-05", "?kind=everything"])
def test_a_bad_export_request_is_refused_and_nothing_is_recorded(staff_client, query):
    response = staff_client.get(CSV_URL + query)
    assert response.status_code == 400
    assert not ReportRead.objects.exists()


def test_the_printable_summary_has_the_period_the_time_and_a_print_stylesheet(staff_client):
    page = staff_client.get(
        reverse("programme:summary") + "?start=2026-01-05&end=2026-02-01"
    ).content.decode()
    assert "from <strong>5 January 2026</strong> to <strong>1 February 2026</strong>" in page
    assert "Generated " in page
    assert "Print" in page
    assert "css/programme.css" in page
    assert 'role="img"' not in page  # the numbers, without charts
    stylesheet = (Path(settings.BASE_DIR) / "static" / "css" / "programme.css").read_text()
    assert "@media print" in stylesheet
    assert ReportRead.objects.get().kind == "summary"


def test_every_csv_column_is_documented():
    documented = REPORTING_DOC.read_text()
    for column in [*selectors.PAIRING_COLUMNS, *selectors.ANSWER_COLUMNS]:
        assert f"| `{column}` |" in documented, column


def test_every_number_of_the_api_is_documented(staff_client):
    body = staff_client.get(reverse("api:v1:staff-reporting")).json()
    documented = REPORTING_DOC.read_text()
    for section in body:
        assert f"`{section}`" in documented, section


def test_the_reporting_api_returns_the_dashboards_numbers_and_is_audited(staff_user):
    token = make_integration_token(staff_user, [Scope.REPORTING_READ])
    NewcomerFactory()
    response = Client(**bearer(token)).get(reverse("api:v1:staff-reporting") + "?weeks=26")
    body = response.json()
    expected = selectors.programme_numbers(period=Period.last_weeks(26, timezone.localdate()))
    assert body["waiting"]["count"] == expected["waiting"]["count"] == 1
    assert body["period"]["days"] == 182
    assert len(body["requests"]["weekly"]["accepted"]) == 26
    read = ReportRead.objects.get()
    assert (read.kind, read.staff_user_id) == ("api", staff_user.pk)


def report_read() -> ReportRead:
    return record_report_read(
        None, kind="pairings_csv", start=datetime.date(2026, 1, 5), end=datetime.date(2026, 2, 1)
    )


def test_a_report_read_can_be_neither_changed_nor_deleted():
    row = report_read()
    row.rows = 99
    with pytest.raises(AuditRowImmutable):
        row.save()
    with pytest.raises(AuditRowImmutable):
        ReportRead.objects.filter(pk=row.pk).update(rows=99)
    with pytest.raises(AuditRowImmutable):
        ReportRead.objects.all().delete()
    assert ReportRead.objects.get().rows is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_postgresql_refuses_raw_sql_changes_to_report_reads():
    report_read()
    for sql in ("UPDATE audit_reportread SET rows = 99", "DELETE FROM audit_reportread"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert ReportRead.objects.get().rows is None


def test_an_unknown_report_kind_is_refused():
    with pytest.raises(AuditError):
        record_report_read(None, kind="everything", start=None, end=None)


def test_the_daily_purge_removes_report_reads_past_retention():
    now = timezone.now()
    day = datetime.date(2020, 1, 6)
    for years in (7, 5):
        ReportRead.objects.create(
            kind="api",
            period_start=day,
            period_end=day,
            at=now - datetime.timedelta(days=365 * years),
        )

    assert purge_expired(now=now) == 1
    assert ReportRead.objects.get().at == now - datetime.timedelta(days=365 * 5)
