"""Staff endpoints: who may call them, each list and step, audit of reads, and reporting."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import services as api_services
from api.models import IntegrationToken, Scope
from audit.models import StaffRead
from audit.services import AuditError, record_staff_reads
from checkins import services as checkin_services
from checkins.models import CheckIn
from matching import services as matching_services
from matching.models import BatchRun, Match, MatchingSettings, MatchState, Report
from members.models import Member, VettingStatus
from programme import selectors as programme_selectors
from programme.periods import Period
from safety import services as safety_services
from safety.models import HelpRequest
from tests.api.conftest import bearer, make_integration_token
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, tag
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

REASON = "?reason=vetting"


def url(name, *args):
    return reverse(f"api:v1:{name}", args=args)


@pytest.fixture
def staff_api(staff_write_token):
    return Client(**bearer(staff_write_token))


@pytest.fixture
def reporting_api(reporting_token):
    return Client(**bearer(reporting_token))


def pending_request(newcomer=None, mentor=None):
    """A newcomer's request waiting for staff approval."""
    programme = MatchingSettings.get_solo()
    programme.require_staff_approval = True
    programme.save()
    newcomer = newcomer or NewcomerFactory()
    mentor = mentor or MentorFactory()
    return matching_services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)


def concern(match=None):
    match = match or ActiveMatchFactory()
    return checkin_services.checkin_record(
        match_id=match.pk, author=match.newcomer, connected="no", concern=True, note="Worried"
    )


# --- Who may call them -----------------------------------------------------------------

STAFF_GETS = [
    "staff-members",
    "staff-matches",
    "staff-batch-runs",
    "staff-needs-attention",
    "staff-holds",
    "staff-reports",
    "staff-concerns",
    "staff-reporting",
]


@pytest.mark.parametrize("name", STAFF_GETS)
def test_a_member_gets_403_on_every_staff_list(name, newcomer_client, token_client):
    for client in (newcomer_client, token_client):
        response = client.get(url(name) + REASON)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    assert not StaffRead.objects.exists()


def test_a_member_cannot_vet_approve_or_clear(token_client, newcomer):
    mentor = MentorFactory(vetting_status=VettingStatus.PENDING)
    match = pending_request()
    hold = HelpRequest.objects.create(member=newcomer, reason="help_now")
    assert token_client.post(url("staff-vet", mentor.pk), {"status": "approved"}).status_code == 403
    assert token_client.post(url("staff-match-approve", match.pk)).status_code == 403
    assert token_client.post(url("staff-hold-clear", hold.pk)).status_code == 403
    assert token_client.post(url("staff-batch-preview")).status_code == 403
    mentor.refresh_from_db()
    match.refresh_from_db()
    assert mentor.vetting_status == VettingStatus.PENDING
    assert match.state == MatchState.PENDING_APPROVAL
    assert HelpRequest.objects.get(pk=hold.pk).cleared_at is None
    assert not BatchRun.objects.exists()


def test_nobody_signed_in_gets_401(client):
    assert client.get(url("staff-members") + REASON).status_code == 401
    assert client.get(url("staff-reporting")).status_code == 401


def test_staff_with_the_second_factor_may_call_them(staff_client):
    mentor = MentorFactory(vetting_status=VettingStatus.PENDING)
    assert staff_client.get(url("staff-members") + REASON).status_code == 200
    assert staff_client.get(url("staff-reporting")).status_code == 200
    response = staff_client.post(
        url("staff-vet", mentor.pk), {"status": "approved"}, content_type="application/json"
    )
    assert response.status_code == 200


def test_staff_without_the_second_factor_gets_403(staff_user):
    client = Client()
    client.force_login(staff_user)
    assert client.get(url("staff-members") + REASON).status_code == 403
    assert client.get(url("staff-reporting")).status_code == 403


def test_a_staff_members_personal_token_is_not_a_staff_session(staff_user):
    staff_member = NewcomerFactory(user=staff_user)
    _token, secret = api_services.personal_token_create(member=staff_member, name="laptop")
    client = Client(**bearer(secret))
    assert client.get(url("staff-members") + REASON).status_code == 403


def test_a_reporting_token_reads_numbers_but_no_member_and_changes_nothing(reporting_api):
    mentor = MentorFactory(vetting_status=VettingStatus.PENDING)
    assert reporting_api.get(url("staff-reporting")).status_code == 200
    response = reporting_api.get(url("staff-members") + REASON)
    assert response.status_code == 403
    assert "staff:write" in response.json()["error"]["message"]
    vet = reporting_api.post(
        url("staff-vet", mentor.pk), {"status": "approved"}, content_type="application/json"
    )
    assert vet.status_code == 403
    mentor.refresh_from_db()
    assert mentor.vetting_status == VettingStatus.PENDING


def test_a_staff_write_token_without_reporting_scope_gets_403_on_reporting(staff_api):
    response = staff_api.get(url("staff-reporting"))
    assert response.status_code == 403
    assert "reporting:read" in response.json()["error"]["message"]


def test_a_revoked_token_gets_401_and_changes_nothing(staff_user):
    token, secret = api_services.integration_token_create(
        name="Case notes", scopes=[Scope.STAFF_WRITE], created_by=staff_user, expires_at=None
    )
    api_services.integration_tokens_revoke(token_ids=[token.pk])
    mentor = MentorFactory(vetting_status=VettingStatus.PENDING)
    client = Client(**bearer(secret))
    response = client.post(
        url("staff-vet", mentor.pk), {"status": "approved"}, content_type="application/json"
    )
    assert response.status_code == 401
    mentor.refresh_from_db()
    assert mentor.vetting_status == VettingStatus.PENDING


def test_an_expired_token_gets_401(staff_user):
    soon = timezone.now() + datetime.timedelta(minutes=1)
    secret = make_integration_token(staff_user, [Scope.REPORTING_READ], expires_at=soon)
    IntegrationToken.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert Client(**bearer(secret)).get(url("staff-reporting")).status_code == 401


def _issuer_loses(staff_user, change):
    if change == "staff status":
        staff_user.is_staff = False
    elif change == "account":
        staff_user.is_active = False
    else:  # a staff member who is not a superuser and loses the permission to issue tokens
        staff_user.is_superuser = False
    staff_user.save()


@pytest.mark.parametrize("change", ["staff status", "account", "permission"])
def test_a_token_stops_acting_when_its_issuer_may_no_longer(staff_api, staff_user, change):
    mentor = MentorFactory(vetting_status=VettingStatus.PENDING)
    assert staff_api.get(url("staff-members") + REASON).status_code == 200
    _issuer_loses(staff_user, change)

    listed = staff_api.get(url("staff-members") + REASON)
    assert listed.status_code == 401
    assert "can no longer act" in listed.json()["error"]["message"]
    vet = staff_api.post(
        url("staff-vet", mentor.pk), {"status": "approved"}, content_type="application/json"
    )
    assert vet.status_code == 401
    assert staff_api.post(url("staff-batch-preview")).status_code == 401
    mentor.refresh_from_db()
    assert (mentor.vetting_status, mentor.vetted_by) == (VettingStatus.PENDING, None)
    assert not BatchRun.objects.exists()
    assert StaffRead.objects.filter(staff_user_id=staff_user.pk).count() == Member.objects.count()


def test_a_token_of_staff_who_keep_the_permission_keeps_working(staff_api, staff_user):
    from django.contrib.auth.models import Permission

    staff_user.is_superuser = False
    staff_user.save()
    staff_user.user_permissions.add(Permission.objects.get(codename="add_integrationtoken"))
    assert staff_api.post(url("staff-batch-preview")).status_code == 202


# --- Members and vetting -----------------------------------------------------------------


def test_member_list_filters_and_records_a_read_per_member(staff_api, staff_user):
    en_mentor = MentorFactory(vetting_status=VettingStatus.PENDING, tags=[tag("pathway-12-step")])
    MentorFactory(vetting_status=VettingStatus.APPROVED)
    newcomer = NewcomerFactory()
    body = staff_api.get(url("staff-members") + REASON + "&role=mentor&vetting_status=pending")
    assert body.status_code == 200
    rows = body.json()["results"]
    assert [row["id"] for row in rows] == [en_mentor.pk]
    assert rows[0]["tags"] == [en_mentor.tags.get().slug]
    assert "email" not in rows[0] and "contact_details" not in rows[0]
    reads = StaffRead.objects.all()
    assert [(r.member_id, r.staff_user_id, r.reason, r.parts) for r in reads] == [
        (en_mentor.pk, staff_user.pk, "vetting", ["profile"])
    ]
    by_tag = staff_api.get(url("staff-members") + REASON + "&tag=" + en_mentor.tags.get().slug)
    assert [row["id"] for row in by_tag.json()["results"]] == [en_mentor.pk]
    by_language = staff_api.get(url("staff-members") + REASON + "&language=en&role=newcomer")
    assert [row["id"] for row in by_language.json()["results"]] == [newcomer.pk]
    assert staff_api.get(url("staff-members") + REASON + "&language=xx").json()["count"] == 0


def test_member_list_without_a_reason_is_400_and_records_nothing(staff_api):
    MentorFactory()
    response = staff_api.get(url("staff-members"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert "reason" in error["fields"]
    assert "?reason=" in error["fields"]["reason"][0]
    assert staff_api.get(url("staff-members") + "?reason=curious").status_code == 400
    assert not StaffRead.objects.exists()


def test_a_bad_filter_is_400(staff_api):
    response = staff_api.get(url("staff-members") + REASON + "&role=admin")
    assert response.status_code == 400
    assert "role" in response.json()["error"]["fields"]


def test_vet_a_mentor_through_the_service(staff_api, staff_user):
    mentor = MentorFactory(vetting_status=VettingStatus.PENDING)
    response = staff_api.post(
        url("staff-vet", mentor.pk), {"status": "rejected"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["vetting_status"] == "rejected"
    mentor.refresh_from_db()
    assert mentor.vetting_status == VettingStatus.REJECTED
    assert mentor.vetted_by == staff_user  # a token acts for the staff member who issued it


def test_vet_bad_input_missing_member_and_a_newcomer(staff_api, newcomer):
    mentor = MentorFactory(vetting_status=VettingStatus.PENDING)
    bad = staff_api.post(
        url("staff-vet", mentor.pk), {"status": "pending"}, content_type="application/json"
    )
    assert bad.status_code == 400
    missing = staff_api.post(
        url("staff-vet", 999999), {"status": "approved"}, content_type="application/json"
    )
    assert missing.status_code == 404
    assert staff_api.post("/api/v1/staff/members/99999999999999999999/vet/").status_code == 404
    not_mentor = staff_api.post(
        url("staff-vet", newcomer.pk), {"status": "approved"}, content_type="application/json"
    )
    assert not_mentor.status_code == 409
    assert "not a mentor" in not_mentor.json()["error"]["message"]


# --- Matches ------------------------------------------------------------------------------


def test_match_list_filters_by_state_and_records_both_sides(staff_api):
    active = ActiveMatchFactory()
    pending = pending_request()
    body = staff_api.get(url("staff-matches") + "?reason=match&state=pending_approval").json()
    assert [row["id"] for row in body["results"]] == [pending.pk]
    assert body["results"][0]["newcomer_name"] == pending.newcomer.display_name
    assert set(StaffRead.objects.values_list("member_id", flat=True)) == {
        pending.newcomer_id,
        pending.mentor_id,
    }
    everything = staff_api.get(url("staff-matches") + "?reason=match").json()
    assert {row["id"] for row in everything["results"]} == {active.pk, pending.pk}
    assert staff_api.get(url("staff-matches") + "?reason=match&state=nope").status_code == 400


def test_approve_then_approving_again_is_409(staff_api):
    match = pending_request()
    response = staff_api.post(url("staff-match-approve", match.pk))
    assert response.status_code == 200
    assert response.json()["state"] == MatchState.AWAITING_MENTOR
    again = staff_api.post(url("staff-match-approve", match.pk))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert staff_api.post(url("staff-match-approve", 999999)).status_code == 404


def test_reject_records_the_reason(staff_api):
    match = pending_request()
    response = staff_api.post(
        url("staff-match-reject", match.pk),
        {"reason": "Too close"},
        content_type="application/json",
    )
    assert response.status_code == 200
    match.refresh_from_db()
    assert (match.state, match.end_reason) == (MatchState.REJECTED, "Too close")
    again = staff_api.post(url("staff-match-reject", match.pk), {}, content_type="application/json")
    assert again.status_code == 409


def test_reassign_moves_the_request_and_refuses_an_active_match(staff_api):
    match = pending_request()
    other = MentorFactory()
    response = staff_api.post(
        url("staff-match-reassign", match.pk), {"mentor": other.pk}, content_type="application/json"
    )
    assert response.status_code == 201
    new = Match.objects.get(pk=response.json()["id"])
    assert (new.newcomer_id, new.mentor_id) == (match.newcomer_id, other.pk)
    match.refresh_from_db()
    assert match.state == MatchState.REJECTED

    active = ActiveMatchFactory()
    illegal = staff_api.post(
        url("staff-match-reassign", active.pk),
        {"mentor": other.pk},
        content_type="application/json",
    )
    assert illegal.status_code == 409
    active.refresh_from_db()
    assert active.state == MatchState.ACTIVE
    unknown = staff_api.post(
        url("staff-match-reassign", new.pk), {"mentor": 999999}, content_type="application/json"
    )
    assert unknown.status_code == 400


# --- Batch matching -------------------------------------------------------------------------


def test_preview_apply_and_list_runs(staff_api, staff_user, django_capture_on_commit_callbacks):
    newcomer, mentor = NewcomerFactory(), MentorFactory()
    confirm = {"data": {"confirm": True}, "content_type": "application/json"}
    with django_capture_on_commit_callbacks(execute=True):
        preview = staff_api.post(url("staff-batch-preview"))
    assert preview.status_code == 202
    run = BatchRun.objects.get(pk=preview.json()["id"])
    assert run.created_by == staff_user
    assert not Match.objects.exists()  # nobody is asked by a preview
    applied = staff_api.post(url("staff-batch-apply", run.pk), **confirm)
    assert applied.status_code == 200
    assert applied.json()["applied_at"]
    assert Match.objects.filter(newcomer=newcomer, mentor=mentor, batch_run=run).exists()
    again = staff_api.post(url("staff-batch-apply", run.pk), **confirm)
    assert again.status_code == 409
    assert "already applied" in again.json()["error"]["message"]
    assert staff_api.post(url("staff-batch-apply", 999999), **confirm).status_code == 404
    runs = staff_api.get(url("staff-batch-runs")).json()
    assert [row["id"] for row in runs["results"]] == [run.pk]
    assert runs["results"][0]["proposals_created"] == 1


# --- Queues ---------------------------------------------------------------------------------


def test_needs_attention_lists_what_needs_a_person_by_id_without_names(staff_api):
    checkin = concern()
    match = checkin.match

    response = staff_api.get(url("staff-needs-attention") + "?reason=safety")

    body = response.json()
    [row] = [row for row in body["results"] if row["kind"] == "concern"]
    assert row["id"] == checkin.pk
    assert row["reason"] == "The newcomer raised a concern in a check-in"
    assert row["member_ids"] == [match.newcomer_id, match.mentor_id]
    assert body["kinds"]["concern"] == 1
    assert match.newcomer.display_name not in response.text
    assert match.mentor.display_name not in response.text
    shown = sum(len(row["member_ids"]) for row in body["results"])
    assert StaffRead.objects.count() == shown
    assert staff_api.get(url("staff-needs-attention")).status_code == 400


def test_needs_attention_filters_by_kind(staff_api):
    checkin = concern()
    report = safety_services.report_create(
        reporter=checkin.match.newcomer, reported=checkin.match.mentor, text="x"
    )
    path = url("staff-needs-attention") + "?reason=safety&kind=report"

    body = staff_api.get(path).json()

    assert [(row["kind"], row["id"]) for row in body["results"]] == [("report", report.pk)]
    assert body["kinds"]["concern"] == 1
    bad = url("staff-needs-attention") + "?reason=safety&kind=everything"
    assert staff_api.get(bad).status_code == 400


def test_holds_list_without_free_text_and_clear(staff_api, newcomer):
    Member.objects.filter(pk=newcomer.pk).update(held_for_review=True)
    hold = HelpRequest.objects.create(member=newcomer, reason="help_now", how_to_contact="sig-7731")
    response = staff_api.get(url("staff-holds") + "?reason=safety")
    assert [row["id"] for row in response.json()["results"]] == [hold.pk]
    assert "sig-7731" not in response.content.decode()
    cleared = staff_api.post(url("staff-hold-clear", hold.pk))
    assert cleared.status_code == 200
    assert cleared.json() == {"members_cleared": 1}
    newcomer.refresh_from_db()
    assert not newcomer.held_for_review
    assert staff_api.post(url("staff-hold-clear", hold.pk)).status_code == 404
    assert staff_api.get(url("staff-holds") + "?reason=safety").json()["count"] == 0


def test_reports_list_open_reports_without_their_text(staff_api, newcomer, mentor):
    report = safety_services.report_create(reporter=newcomer, reported=mentor, text="secret-91")
    response = staff_api.get(url("staff-reports") + "?reason=safety")
    assert [row["id"] for row in response.json()["results"]] == [report.pk]
    assert "secret-91" not in response.content.decode()
    Report.objects.filter(pk=report.pk).update(status="closed")
    assert staff_api.get(url("staff-reports") + "?reason=safety").json()["count"] == 0


def test_concerns_list_and_acknowledge(staff_api, staff_user):
    checkin = concern()
    response = staff_api.get(url("staff-concerns") + "?reason=safety")
    assert [row["id"] for row in response.json()["results"]] == [checkin.pk]
    assert "Worried" not in response.content.decode()
    done = staff_api.post(url("staff-concern-acknowledge", checkin.pk))
    assert done.status_code == 200
    checkin.refresh_from_db()
    assert checkin.concern_acknowledged_by == staff_user
    again = staff_api.post(url("staff-concern-acknowledge", checkin.pk))
    assert again.status_code == 409
    assert staff_api.get(url("staff-concerns") + "?reason=safety").json()["count"] == 0
    plain = CheckIn.objects.create(match=checkin.match, author=checkin.author, connected="yes")
    assert staff_api.post(url("staff-concern-acknowledge", plain.pk)).status_code == 404
    assert staff_api.post(url("staff-concern-acknowledge", 999999)).status_code == 404


# --- Reporting ------------------------------------------------------------------------------


def test_reporting_counts_the_programme(reporting_api):
    now = timezone.now()
    MentorFactory(vetting_status=VettingStatus.PENDING)
    active = ActiveMatchFactory()  # one newcomer and one approved mentor
    pending_request()  # another newcomer and mentor
    ended = ActiveMatchFactory()
    long_ago = now - datetime.timedelta(days=60)
    Match.objects.filter(pk=ended.pk).update(
        state=MatchState.ENDED,
        ended_at=now - datetime.timedelta(days=3),
        sent_to_mentor_at=long_ago,
        decided_at=long_ago,
    )
    old = ActiveMatchFactory()
    Match.objects.filter(pk=old.pk).update(
        state=MatchState.ENDED,
        ended_at=now - datetime.timedelta(days=40),
        sent_to_mentor_at=long_ago,
        decided_at=long_ago,
    )
    Match.objects.filter(pk=active.pk).update(
        sent_to_mentor_at=now - datetime.timedelta(hours=5), decided_at=now
    )
    concern(active)
    body = reporting_api.get(url("staff-reporting") + "?weeks=4").json()
    assert body["members"]["newcomer"] == {"total": 4}
    assert body["members"]["mentor"] == {"total": 5, "pending": 1, "approved": 4, "rejected": 0}
    assert body["open_requests"] == 1
    assert body["active_matches"] == 1
    assert body["matches_ended_in_window"] == 1
    assert body["median_hours_to_first_response"] == 5.0
    assert body["checkins_in_window"] == 1
    assert body["window_days"] == 28
    assert body["matches"]["ended"] == 1
    assert body["safety"]["concerns"]["count"] == 1


def test_reporting_takes_the_dashboards_period_and_refuses_a_bad_one(reporting_api):
    body = reporting_api.get(url("staff-reporting") + "?start=2026-01-05&end=2026-01-18").json()
    assert body["period"]["start"] == "2026-01-05"
    assert body["period"]["weeks"] == ["2026-01-05", "2026-01-12"]
    response = reporting_api.get(url("staff-reporting") + "?start=2026-01-18&end=2026-01-05")
    assert response.status_code == 400
    assert "start" in response.content.decode()


def test_reporting_numbers_with_nothing_yet():
    numbers = programme_selectors.programme_numbers(
        period=Period.last_weeks(4, timezone.localdate())
    )
    assert numbers["median_hours_to_first_response"] is None
    assert numbers["open_requests"] == 0


# --- Fixed query counts -----------------------------------------------------------------


def _more_of_everything(times: int) -> None:
    for _ in range(times):
        match = ActiveMatchFactory()
        concern(match)
        HelpRequest.objects.create(member=match.newcomer, reason="help_now")
        safety_services.report_create(reporter=match.newcomer, reported=match.mentor, text="x")
        BatchRun.objects.create(created_by=None, pairs=[], summary={})


@pytest.mark.parametrize(
    "name",
    [
        "staff-members",
        "staff-matches",
        "staff-batch-runs",
        "staff-needs-attention",
        "staff-holds",
        "staff-reports",
        "staff-concerns",
    ],
)
def test_a_staff_list_takes_the_same_queries_with_ten_times_the_rows(name, staff_api):
    path = url(name) + "?reason=audit&page_size=100"
    _more_of_everything(1)
    small = count_queries(staff_api, path)
    _more_of_everything(9)
    assert count_queries(staff_api, path) == small


def test_reporting_takes_the_same_queries_with_ten_times_the_rows(reporting_api):
    _more_of_everything(1)
    small = count_queries(reporting_api, url("staff-reporting"))
    _more_of_everything(9)
    assert count_queries(reporting_api, url("staff-reporting")) == small


def test_a_staff_session_needs_the_csrf_token_to_change_anything(staff_client):
    mentor = MentorFactory(vetting_status=VettingStatus.PENDING)
    staff_client.handler.enforce_csrf_checks = True
    response = staff_client.post(
        url("staff-vet", mentor.pk), {"status": "approved"}, content_type="application/json"
    )
    assert response.status_code == 403
    mentor.refresh_from_db()
    assert mentor.vetting_status == VettingStatus.PENDING


def test_bulk_staff_reads_refuse_an_unknown_reason_and_write_nothing(staff_user, newcomer):
    with pytest.raises(AuditError):
        record_staff_reads(staff_user, [newcomer], ["profile"], "curious")
    with pytest.raises(AuditError):
        record_staff_reads(staff_user, [newcomer], ["diary"], "audit")
    assert record_staff_reads(staff_user, [newcomer, newcomer.pk], ["profile"], "audit") == 1
    assert StaffRead.objects.get().member_id == newcomer.pk
