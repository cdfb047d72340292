"""The one queue of what needs a person: every kind, oldest first, one action each,
behind the reason step, for staff with the permission only."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import StaffRead
from checkins.models import CheckIn, Reminder
from matching.models import Match, MatchState, Report, ReportStatus
from members.models import Member, VettingStatus
from programme.queue import SHOWN_PER_KIND, Kind, needs_a_person
from safety.models import HelpRequest, HoldReason
from tests.audit_helpers import REASON_QUESTION
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, UserFactory
from tests.second_factor import (
    add_authenticator_app,
    current_code,
    enter_code,
    sign_in,
    with_verified_email,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("programme:queue")
NOW = timezone.now()


def ago(**delta) -> datetime.datetime:
    return NOW - datetime.timedelta(**delta)


def set_created(row, moment: datetime.datetime):
    type(row).objects.filter(pk=row.pk).update(created_at=moment)


def hold(name: str, *, at: datetime.datetime, cleared: bool = False) -> HelpRequest:
    member = NewcomerFactory(display_name=name, held_for_review=not cleared)
    help_request = HelpRequest.objects.create(
        member=member, reason=HoldReason.HELP_NOW, cleared_at=NOW if cleared else None
    )
    set_created(help_request, at)
    return help_request


def report(reporter, reported, *, at, status=ReportStatus.OPEN) -> Report:
    row = Report.objects.create(reporter=reporter, reported=reported, text="private", status=status)
    set_created(row, at)
    return row


def concern(match: Match, *, at, acknowledged: bool = False) -> CheckIn:
    checkin = CheckIn.objects.create(
        match=match,
        author=match.mentor,
        connected="yes",
        concern=True,
        note="private",
        concern_acknowledged_at=NOW if acknowledged else None,
    )
    set_created(checkin, at)
    return checkin


def missed_twice(match: Match, *, first_due: datetime.datetime) -> None:
    """Two reminder slots a week apart, each to both sides, and no check-in since."""
    for slot in (0, 1):
        for member in (match.newcomer, match.mentor):
            Reminder.objects.create(
                match=match,
                recipient=member,
                slot=slot,
                due_at=first_due + datetime.timedelta(days=7 * slot),
            )


def request(newcomer_name: str, mentor, *, state, sent=None, expires=None, at=None) -> Match:
    match = ActiveMatchFactory(
        newcomer=NewcomerFactory(display_name=newcomer_name),
        mentor=mentor,
        state=state,
        sent_to_mentor_at=sent,
        decided_at=None,
        expires_at=expires,
    )
    set_created(match, at or sent)
    return match


@pytest.fixture
def programme():
    """One item of every kind at a known age, and rows of each kind that need no one."""
    mentor = MentorFactory(display_name="Max", capacity=10)
    unmatched = NewcomerFactory(display_name="Una", onboarded_at=ago(days=20))
    vetting = MentorFactory(
        display_name="Vera", vetting_status=VettingStatus.PENDING, onboarded_at=ago(days=15)
    )
    quiet = ActiveMatchFactory(newcomer=NewcomerFactory(display_name="Mia"), mentor=mentor)
    missed_twice(quiet, first_due=ago(days=12))
    reported = report(quiet.newcomer, mentor, at=ago(days=10))
    held = hold("Hal", at=ago(days=8))
    worried = ActiveMatchFactory(newcomer=NewcomerFactory(display_name="Cy"), mentor=mentor)
    raised = concern(worried, at=ago(days=6))
    pending = request("Pia", mentor, state=MatchState.PENDING_APPROVAL, at=ago(days=3))
    expiring = request(
        "Eve",
        mentor,
        state=MatchState.AWAITING_MENTOR,
        sent=ago(hours=67),
        expires=NOW + datetime.timedelta(hours=5),
    )
    # Nothing below needs a person.
    request(
        "Far",
        mentor,
        state=MatchState.AWAITING_MENTOR,
        sent=ago(hours=24),
        expires=NOW + datetime.timedelta(hours=48),
    )
    hold("Cleared", at=ago(days=30), cleared=True)
    report(worried.newcomer, mentor, at=ago(days=30), status=ReportStatus.CLOSED)
    concern(worried, at=ago(days=30), acknowledged=True)
    NewcomerFactory(display_name="Brandnew")
    MentorFactory(display_name="Vetted")
    return {
        Kind.UNMATCHED: unmatched.pk,
        Kind.VETTING: vetting.pk,
        Kind.MISSED_CHECKINS: quiet.pk,
        Kind.REPORT: reported.pk,
        Kind.HOLD: held.pk,
        Kind.CONCERN: raised.pk,
        "pending": pending.pk,
        "expiring": expiring.pk,
    }


def staff_with(*permissions: str) -> Client:
    """A signed-in staff member (second factor passed) with only these permissions."""
    user = UserFactory(email="helper@example.org", is_staff=True)
    secret = add_authenticator_app(with_verified_email(user))
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    sign_in(client, user.email)
    enter_code(client, current_code(secret))
    return client


def test_known_data_gives_exactly_the_expected_rows_oldest_first(programme):
    items = needs_a_person(now=NOW).items

    assert [(item.kind, item.object_id) for item in items] == [
        (Kind.UNMATCHED, programme[Kind.UNMATCHED]),
        (Kind.VETTING, programme[Kind.VETTING]),
        (Kind.MISSED_CHECKINS, programme[Kind.MISSED_CHECKINS]),
        (Kind.REPORT, programme[Kind.REPORT]),
        (Kind.HOLD, programme[Kind.HOLD]),
        (Kind.CONCERN, programme[Kind.CONCERN]),
        (Kind.REQUEST, programme["pending"]),
        (Kind.REQUEST, programme["expiring"]),
    ]
    names = [[person.display_name for person in item.members] for item in items]
    assert names == [
        ["Una"],
        ["Vera"],
        ["Mia", "Max"],
        ["Mia", "Max"],
        ["Hal"],
        ["Cy", "Max"],
        ["Pia", "Max"],
        ["Eve", "Max"],
    ]
    reasons = [item.reason for item in items]
    assert reasons[0] == "Waiting 2 weeks"
    assert reasons[2] == "2 check-ins missed in a row"
    assert reasons[3] == "A newcomer reported a mentor"
    assert reasons[4] == "Asked for help now; held out of matching"
    assert reasons[6] == "Waiting for staff to approve the pairing"
    assert reasons[7] == "The mentor has not answered; the request expires in 5 hours"
    assert items[2].since == ago(days=12)


def test_each_kind_is_counted_once(programme):
    queue = needs_a_person(now=NOW)
    assert {summary.kind: summary.count for summary in queue.kinds} == {
        Kind.HOLD: 1,
        Kind.CONCERN: 1,
        Kind.MISSED_CHECKINS: 1,
        Kind.REPORT: 1,
        Kind.REQUEST: 2,
        Kind.UNMATCHED: 1,
        Kind.VETTING: 1,
    }
    assert queue.total == 8


def test_an_open_report_is_on_the_queue(staff_client):
    newcomer, mentor = NewcomerFactory(display_name="Robin"), MentorFactory(display_name="Kai")
    reported = report(newcomer, mentor, at=ago(hours=1))

    page = staff_client.get(QUEUE).content.decode()

    assert "A newcomer reported a mentor" in page and "Robin and Kai" in page
    assert reverse("admin:matching_report_change", args=[reported.pk]) in page
    assert "private" not in page, "the report's text stays behind the reason step"


def test_the_page_lists_every_kind_with_names_and_one_action_each(staff_client, programme):
    response = staff_client.get(QUEUE)

    page = response.content.decode()
    assert response.status_code == 200
    for name in ["Una", "Vera", "Mia", "Max", "Hal", "Cy", "Pia", "Eve"]:
        assert name in page
    for name in ["Far", "Cleared", "Brandnew", "Vetted"]:
        assert name not in page
    assert [item.action.label for item in response.context["queue"].items] == [
        "Open the newcomer",
        "Open the mentor to vet",
        "Open the match",
        "Open the report",
        "Open the hold",
        "Open the check-in to acknowledge",
        "Open the request",
        "Open the request",
    ]
    for email in Member.objects.values_list("user__email", flat=True):
        assert email not in page, "the list shows display names, never more"


def test_the_title_appears_once(staff_client):
    page = staff_client.get(QUEUE).content.decode()
    assert page.count("<h1>Needs a person</h1>") == 1
    assert page.count("<h1") == 1


def test_every_action_opens_the_reason_step_first(staff_client, programme):
    items = staff_client.get(QUEUE).context["queue"].items
    assert {item.kind for item in items} == set(Kind.values)

    for item in items:
        response = staff_client.get(item.action.url)
        assert response.status_code == 200, item.action.url
        assert REASON_QUESTION in response.content, item.action.url
    assert not StaffRead.objects.exists(), "nothing is read before staff say why"


def test_the_reason_step_offers_the_likely_reason(staff_client, programme):
    hold_url = reverse("admin:safety_helprequest_change", args=[programme[Kind.HOLD]])
    vetting_url = reverse("admin:members_member_change", args=[programme[Kind.VETTING]])
    urls = {item.action.url for item in staff_client.get(QUEUE).context["queue"].items}

    assert hold_url + "?reason=safety" in urls
    assert vetting_url + "?reason=vetting" in urls


def test_the_queue_page_records_no_read(staff_client, programme):
    staff_client.get(QUEUE)
    assert not StaffRead.objects.exists()


def test_filter_by_kind_keeps_that_kind_and_every_count(staff_client, programme):
    response = staff_client.get(QUEUE + "?kind=request")

    queue = response.context["queue"]
    assert [item.object_id for item in queue.items] == [programme["pending"], programme["expiring"]]
    page = response.content.decode()
    assert 'aria-current="page">Requests to move on (2)</a>' in page
    assert ">Holds (1)</a>" in page and ">All (8)</a>" in page
    assert "Una" not in page


def test_an_unknown_kind_shows_everything(staff_client, programme):
    assert len(staff_client.get(QUEUE + "?kind=nonsense").context["queue"].items) == 8


def test_a_long_kind_is_capped_with_how_many_more(staff_client):
    for index in range(SHOWN_PER_KIND + 3):
        NewcomerFactory(display_name=f"Waiting {index}", onboarded_at=ago(days=30 - index / 10))

    response = staff_client.get(QUEUE)

    assert len(response.context["queue"].items) == SHOWN_PER_KIND
    page = response.content.decode()
    assert "And 3 more newcomers nobody matched" in page
    assert f"{QUEUE}?kind=unmatched" in page
    one_kind = staff_client.get(QUEUE + "?kind=unmatched")
    assert len(one_kind.context["queue"].items) == SHOWN_PER_KIND + 3


def test_the_page_runs_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    def add(count: int) -> None:
        for _ in range(count):
            mentor = MentorFactory()
            NewcomerFactory(onboarded_at=ago(days=20))
            MentorFactory(vetting_status=VettingStatus.PENDING)
            quiet = ActiveMatchFactory(mentor=mentor)
            missed_twice(quiet, first_due=ago(days=12))
            report(quiet.newcomer, mentor, at=ago(days=10))
            hold("Held", at=ago(days=8))
            concern(ActiveMatchFactory(mentor=mentor), at=ago(days=6))
            request("Pending", mentor, state=MatchState.PENDING_APPROVAL, at=ago(days=3))

    add(2)
    staff_client.get(QUEUE)  # settings rows and sessions are created once
    with django_assert_max_num_queries(30) as small:
        assert staff_client.get(QUEUE).status_code == 200
    add(18)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(QUEUE)
    assert response.context["queue"].total == 20 * 7


def test_staff_without_the_permission_are_refused(programme):
    assert staff_with().get(QUEUE).status_code == 403


def test_staff_with_the_permission_see_the_queue(programme):
    response = staff_with("view_queue").get(QUEUE)
    assert response.status_code == 200
    assert "Hal" in response.content.decode()


def test_members_and_visitors_get_no_access(newcomer_client, mentor_client, client, programme):
    for someone in (newcomer_client, mentor_client, client):
        response = someone.get(QUEUE)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
        assert "Hal" not in someone.get(QUEUE, follow=True).content.decode()


def test_the_old_needs_attention_page_leads_to_the_queue(staff_client):
    response = staff_client.get(reverse("admin:checkins_attention"))
    assert response.status_code == 302
    assert response.url == QUEUE


def test_the_daily_digest_links_to_the_queue(settings):
    settings.PEERLINK_SITE_URL = "https://peerlink.example.org"
    UserFactory(email="coordinator@example.org", is_staff=True)
    match = ActiveMatchFactory()
    concern(match, at=ago(days=1))
    from checkins.notifications import send_staff_digest

    assert send_staff_digest() == 1
    assert "https://peerlink.example.org" + QUEUE in mail.outbox[-1].body


def test_a_held_newcomer_waits_and_says_so(programme):
    NewcomerFactory(display_name="Hana", held_for_review=True, onboarded_at=ago(days=9))
    [item] = needs_a_person(kind=Kind.UNMATCHED, now=NOW).items[1:]
    assert item.members[0].display_name == "Hana"
    assert "held for review" in item.reason
