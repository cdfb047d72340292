"""Staff: instruments entered by hand or from a file, previewed, made live; one member's
answers read only behind the audited reason step."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import StaffRead
from recovery.models import Instrument, InstrumentVersion, RecoveryCheck, VersionStatus
from tests.audit_helpers import REASON_QUESTION, open_record
from tests.factories import NewcomerFactory
from tests.recovery.conftest import take, ten_statement_file

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:recovery_instrument_import")
MARCH = datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)
JUNE = datetime.datetime(2026, 6, 12, 12, tzinfo=datetime.UTC)


def upload(data) -> SimpleUploadedFile:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile("instrument.json", body, content_type="application/json")


def preview_url(version) -> str:
    return reverse("admin:recovery_instrumentversion_preview", args=[version.pk])


def test_staff_import_a_file_and_land_on_its_preview_as_members_will_see_it(staff_client):
    response = staff_client.post(IMPORT, {"file": upload(ten_statement_file())}, follow=True)
    version = InstrumentVersion.objects.get(instrument__name="Ten statements (test)")
    assert response.redirect_chain[-1][0] == preview_url(version)
    page = response.content.decode()
    assert "as a draft" in page
    assert page.count("<fieldset") == 10
    assert "Strongly agree" in page
    assert "Threshold 47" in page and "totals run from 10 to 60" in page
    assert 'name="make_live"' in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (ten_statement_file(items=[]), "needs “items”"),
        (ten_statement_file(scale={"min": 1, "max": 6, "labels": ["a"]}), "needs 6 labels"),
        (b"{not json", "not valid JSON"),
    ],
)
def test_a_bad_file_shows_a_clear_message_and_imports_nothing(staff_client, body, message):
    before = Instrument.objects.count()
    page = staff_client.post(IMPORT, {"file": upload(body)}).content.decode()
    assert message in page
    assert Instrument.objects.count() == before


def test_a_file_with_a_name_already_used_is_refused(staff_client, starter):
    data = ten_statement_file(name=starter.instrument.name)
    page = staff_client.post(IMPORT, {"file": upload(data)}).content.decode()
    assert "already exists" in page
    assert Instrument.objects.filter(name=starter.instrument.name).count() == 1


def test_make_live_from_the_preview_retires_nothing_of_other_instruments(staff_client, starter):
    staff_client.post(IMPORT, {"file": upload(ten_statement_file())})
    version = InstrumentVersion.objects.get(instrument__name="Ten statements (test)")
    staff_client.post(preview_url(version), {"make_live": "1"})
    version.refresh_from_db()
    starter.refresh_from_db()
    assert version.status == VersionStatus.LIVE
    assert starter.status == VersionStatus.LIVE  # another instrument: untouched


def test_a_version_members_answered_opens_read_only_and_cannot_be_changed(staff_client, starter):
    take(NewcomerFactory(), starter)
    url = reverse("admin:recovery_instrumentversion_change", args=[starter.pk])
    page = staff_client.get(url).content.decode()
    assert 'name="_save"' not in page
    assert 'name="intro"' not in page
    staff_client.post(url, {"intro": "Changed", "scale_min": 1, "scale_max": 5})
    starter.refresh_from_db()
    assert starter.intro != "Changed"


def test_staff_make_a_new_draft_version_from_one_with_answers(staff_client, starter):
    take(NewcomerFactory(), starter)
    staff_client.post(
        reverse("admin:recovery_instrumentversion_changelist"),
        {"action": "new_version_from", "_selected_action": [starter.pk]},
    )
    draft = InstrumentVersion.objects.get(instrument=starter.instrument, number=2)
    assert draft.status == VersionStatus.DRAFT and draft.items.count() == 8
    page = staff_client.get(
        reverse("admin:recovery_instrumentversion_change", args=[draft.pk])
    ).content.decode()
    assert 'name="_save"' in page


def test_the_list_of_checks_names_nobody_and_shows_no_answers(staff_client, starter):
    member = NewcomerFactory(display_name="Marigold")
    take(member, starter, answers=[5, 4, 3, 2, 1, 2, 3, 4])
    page = staff_client.get(reverse("admin:recovery_recoverycheck_changelist")).content.decode()
    assert "Marigold" not in page
    assert "column-score" not in page and "column-version" in page
    assert "I have a safe, steady place to live." not in page
    assert not StaffRead.objects.exists()


def test_staff_see_a_members_answers_and_trend_only_after_saying_why(staff_client, starter):
    member = NewcomerFactory(display_name="Marigold")
    take(member, starter, value=2, when=MARCH)
    check = take(member, starter, value=4, when=JUNE)
    url = reverse("admin:recovery_recoverycheck_change", args=[check.pk])

    asked = staff_client.get(url)
    assert REASON_QUESTION in asked.content
    assert b"I have a safe, steady place to live." not in asked.content
    assert not StaffRead.objects.exists()

    page = open_record(staff_client, url).content.decode()
    assert "I have a safe, steady place to live." in page
    assert "2026-03-10: 16" in page and "2026-06-12: 32" in page
    read = StaffRead.objects.get()
    assert read.member_id == member.pk and read.parts == ["recovery-checks"]


def test_checks_cannot_be_added_changed_or_deleted_in_the_admin(staff_client, starter):
    check = take(NewcomerFactory(), starter)
    delete = reverse("admin:recovery_recoverycheck_delete", args=[check.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert RecoveryCheck.objects.filter(pk=check.pk).exists()
    assert staff_client.get(reverse("admin:recovery_recoverycheck_add")).status_code == 403
