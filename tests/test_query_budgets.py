"""Query budgets: every page and API endpoint runs as many queries with ten times the data.

One programme is built with the real services and factories: a newcomer and a
mentor matched to each other, staff, and around them other members, requests,
matches, messages, check-ins, reminders, steps, recovery checks, blocks,
reports and holds. Each page and endpoint (found from the URL resolver, so a
new one without a budget fails `test_every_address_has_a_query_budget`) is
asked once to warm up and once counted, as the person who uses it. Then ten
times the data is added and each is counted again. A count that grows with the
data is a query per row: the page slows down as the programme grows.
"""

from __future__ import annotations

import datetime
import fcntl
import itertools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import ReadReason, RecordPart
from audit.services import record_staff_read
from checkins import services as checkin_services
from checkins.models import Reminder
from matching import batch
from matching import selectors as matching_selectors
from matching import services as matching_services
from matching.models import (
    OPEN_STATES,
    BatchRun,
    EndedBy,
    Match,
    MatchingSettings,
    MatchState,
    Report,
)
from members.models import VettingStatus
from messaging import services as messaging_services
from safety import services as safety_services
from safety.models import HelpRequest
from steps import services as step_services
from tests.audit_helpers import open_record
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, UserFactory, tag
from tests.recovery.conftest import ensure_starter, take
from tests.second_factor import (
    add_authenticator_app,
    current_code,
    enter_code,
    sign_in,
    with_verified_email,
)
from tests.url_names import url_names

# The test database is set up only for a session that holds database tests; the
# programme is built once per worker, so its tests are kept in one (`make test`).
pytestmark = pytest.mark.django_db

SMALL = 2  # rows of each kind in the small programme
LARGE = 20  # ten times as many


@dataclass
class Programme:
    newcomer: object
    mentor: object
    match: object
    waiting: object
    staff: object
    run: BatchRun
    clients: dict[str, Client]
    counter: itertools.count = field(default_factory=itertools.count)


@dataclass(frozen=True)
class Ask:
    """One request: who asks, how, where and with what."""

    role: str
    url: str
    method: str = "get"
    data: dict | None = None


def _pathway():
    return tag("pathway-12-step")


def _requested_match(programme: Programme):
    """A new newcomer's request to the programme's mentor."""
    newcomer = NewcomerFactory(tags=[_pathway()])
    return matching_services.match_request(
        newcomer=newcomer,
        mentor_ids=[programme.mentor.pk],
        user=newcomer.user,
        note="I chose you because of the running",
    )


def _ended_match(programme: Programme):
    """A match of the programme's mentor, accepted and since ended."""
    match = _requested_match(programme)
    matching_services.match_accept(match_id=match.pk, mentor=programme.mentor)
    return _end(match)


def _end(match):
    return matching_services.match_end(
        match_id=match.pk,
        ended_by=EndedBy.NEWCOMER,
        member=match.newcomer,
        reason=matching_services.NEUTRAL_END_REASON,
    )


def grow(programme: Programme, rows: int) -> None:
    """Add `rows` of everything the pages read, around and for the two members."""
    newcomer, mentor, match = programme.newcomer, programme.mentor, programme.match
    pathway = _pathway()
    version = ensure_starter()
    for _ in range(rows):
        n = next(programme.counter)
        cache.clear()  # the messages below are over minutes, not at once: no rate limit
        others = [NewcomerFactory(tags=[pathway]), MentorFactory(tags=[pathway])]
        # The mentor's past requests and matches, and other pairs.
        declined = _requested_match(programme)
        matching_services.match_decline(match_id=declined.pk, mentor=mentor, reason="not_a_fit")
        _ended_match(programme)
        ActiveMatchFactory(newcomer=NewcomerFactory(), mentor=others[1])
        # The pair's conversation, check-ins, reminders and steps.
        messaging_services.send_message(member=newcomer, match_id=match.pk, text=f"Hello {n}")
        messaging_services.send_message(member=mentor, match_id=match.pk, text=f"Hi {n}")
        for member in (newcomer, mentor):
            # A member keeps three steps at a time: the rest are retired, with their answers.
            step = step_services.step_create(member=member, text=f"Step {n}", shared=True)
            step_services.step_answer(member=member, step_id=step.pk, answer="went_well")
            step_services.step_retire(member=member, step_id=step.pk)
            checkin_services.checkin_record(
                match_id=match.pk, author=member, connected="yes", rating=4
            )
            Reminder.objects.create(
                match=match,
                recipient=member,
                slot=n,
                due_at=timezone.now() + datetime.timedelta(days=n + 1),
            )
        take(newcomer, version=version, when=timezone.now() - datetime.timedelta(days=100 * n))
        # Staff reading the two members' records, as their accounting lists.
        reader = UserFactory(is_staff=True)
        for member in (newcomer, mentor):
            record_staff_read(reader, member, [RecordPart.PROFILE], ReadReason.MATCH)
        # Earlier batch runs: copies of one computed run, as solving each again adds nothing.
        run = programme.run
        run.pk, run.created_by = None, reader
        run.save()
        # Blocks and reports the newcomer made, holds and concerns for staff.
        blocked = MentorFactory()
        safety_services.member_block(blocker=newcomer, blocked=blocked)
        safety_services.report_create(reporter=newcomer, reported=others[1], text=f"Concern {n}")
        safety_services.help_request_create(
            member=others[0], may_contact=True, how_to_contact="by email"
        )
        concerned = ActiveMatchFactory()
        checkin_services.checkin_record(
            match_id=concerned.pk,
            author=concerned.newcomer,
            connected="no",
            concern=True,
            note="Worried",
        )
        matching_services.match_request(
            newcomer=NewcomerFactory(), mentor_ids=[others[1].pk], user=None
        )
    matching_services.suggestions_recompute()


def build() -> Programme:
    MatchingSettings.objects.update_or_create(pk=1, defaults={"require_staff_approval": False})
    pathway = _pathway()
    newcomer = NewcomerFactory(tags=[pathway], user__email="alice@example.org")
    mentor = MentorFactory(tags=[pathway], capacity=10, user__email="bob@example.org")
    staff = UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    staff.totp_secret = add_authenticator_app(with_verified_email(staff))
    match = matching_services.match_request(
        newcomer=newcomer, mentor_ids=[mentor.pk], user=newcomer.user, note="Hello"
    )
    match = matching_services.match_accept(match_id=match.pk, mentor=mentor)
    for member in (newcomer, mentor):
        step = step_services.step_create(member=member, text="Call my sponsor", shared=True)
        step_services.step_answer(member=member, step_id=step.pk, answer="partly")
    # A request waiting in the mentor's inbox.
    waiting = matching_services.match_request(
        newcomer=NewcomerFactory(tags=[pathway]), mentor_ids=[mentor.pk], user=None
    )
    # A newcomer still looking for a mentor: their suggestions are a list of mentors.
    seeker = NewcomerFactory(tags=[pathway])
    clients = {}
    for role, member in (("newcomer", newcomer), ("mentor", mentor), ("seeker", seeker)):
        clients[role] = Client()
        clients[role].force_login(member.user)
    clients["staff"] = Client()
    sign_in(clients["staff"], staff.email)
    enter_code(clients["staff"], current_code(staff.totp_secret))
    run = batch.batch_run_preview(user=staff)
    return Programme(newcomer, mentor, match, waiting, staff, run, clients)


# --- The budgets -------------------------------------------------------------------
#
# Each address, with what asking it takes: a function of the programme giving the
# request. Functions that change something make their own fresh object each time.


def get(role: str, name: str, *args: Callable[[Programme], object], query: str = ""):
    return lambda p: Ask(role, reverse(name, args=[arg(p) for arg in args]) + query)


def match_id(p):
    return p.match.pk


def peer_id(p):
    return p.mentor.pk


def own_step_id(p):
    return p.newcomer.steps.filter(retired_at=None).latest("pk").pk


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _request(p):
    _close_earlier_asks(p)
    p.clients["requester"] = _client_for(NewcomerFactory(tags=[_pathway()]).user)
    return Ask("requester", reverse("matching:request"), "post", {"mentor": p.mentor.pk})


def _api_request(p):
    _close_earlier_asks(p)
    p.clients["requester"] = _client_for(NewcomerFactory(tags=[_pathway()]).user)
    return Ask("requester", reverse("api:v1:requests"), "post", {"mentors": [p.mentor.pk]})


def _close_earlier_asks(p):
    """End what earlier asks accepted and withdraw what they requested: the mentor's room,
    which counts open requests, stays the same."""
    for match in Match.objects.filter(mentor=p.mentor, state__in=OPEN_STATES).exclude(
        pk__in=[p.match.pk, p.waiting.pk]
    ):
        if match.state == MatchState.ACTIVE:
            _end(match)
        else:
            matching_services.match_withdraw(match_id=match.pk, newcomer=match.newcomer)


def _accept(name):
    def ask(p):
        _close_earlier_asks(p)
        return Ask("mentor", reverse(name, args=[_requested_match(p).pk]), "post", {})

    return ask


def _decline(name):
    def ask(p):
        _close_earlier_asks(p)
        url = reverse(name, args=[_requested_match(p).pk])
        return Ask("mentor", url, "post", {"reason": "not_a_fit"})

    return ask


def _withdraw(name):
    def ask(p):
        _close_earlier_asks(p)
        newcomer = _requested_match(p).newcomer
        p.clients["requester"] = _client_for(newcomer.user)
        url = reverse(name, args=[newcomer.matches_as_newcomer.get().pk])
        return Ask("requester", url, "post", {})

    return ask


def _end_ask(name):
    def ask(p):
        _close_earlier_asks(p)
        match = _requested_match(p)
        matching_services.match_accept(match_id=match.pk, mentor=p.mentor)
        p.clients["requester"] = _client_for(match.newcomer.user)
        return Ask("requester", reverse(name, args=[match.pk]), "post", {"reason": "Moving on"})

    return ask


def mentors_message_id(p):
    return p.match.conversation.messages.filter(sender=p.mentor).latest("pk").pk


def open_report_id(p):
    return Report.objects.filter(reporter=p.newcomer).latest("pk").pk


def live_version_id(p):
    return ensure_starter().pk


def open_hold_id(p):
    return HelpRequest.objects.filter(cleared_at=None).latest("pk").pk


def fresh_run_id(p):
    """A batch run computed on the programme as it is now."""
    return batch.batch_run_preview(user=p.staff).pk


def _fresh_member_asks(role_member, name, data=None, args=()):
    """A request by a member made for it: what it changes does not reach the next page."""

    def ask(p):
        member = role_member(p)
        p.clients["requester"] = _client_for(member.user)
        url = reverse(name, args=[arg(p) for arg in args])
        return Ask("requester", url, "post", data(p) if callable(data) else data)

    return ask


def _staff_post(name, make_id, data=None):
    return lambda p: Ask("staff", reverse(name, args=[make_id(p)]), "post", data or {})


def mentor_to_vet(p):
    return MentorFactory(vetting_status=VettingStatus.PENDING).pk


def fresh_concern_id(p):
    match = ActiveMatchFactory()
    return checkin_services.checkin_record(
        match_id=match.pk, author=match.newcomer, connected="no", concern=True, note="Worried"
    ).pk


def fresh_hold_id(p):
    member = NewcomerFactory()
    return safety_services.help_request_create(
        member=member, may_contact=True, how_to_contact="by email"
    ).pk


def _block(p):
    """The mentor blocks a newcomer who asked them (a stranger reads as a missing id)."""
    _close_earlier_asks(p)
    newcomer_id = _requested_match(p).newcomer_id
    return Ask("mentor", reverse("api:v1:blocks"), "post", {"member": newcomer_id, "reason": ""})


def record(name: str, make_id):
    """A member's record in the admin, opened after staff said why (as in the browser)."""

    def ask(p):
        url = reverse(name, args=[make_id(p)])
        open_record(p.clients["staff"], url)
        return Ask("staff", url)

    return ask


def _checkin(p):
    return Ask(
        "newcomer",
        reverse("checkins:new", args=[p.match.pk]),
        "post",
        {"connected": "yes", "rating": "4"},
    )


def _api_checkin(p):
    return Ask(
        "newcomer",
        reverse("api:v1:checkins"),
        "post",
        {"match": p.match.pk, "connected": "yes", "rating": 4},
    )


def _send(p):
    return Ask(
        "newcomer", reverse("messaging:send", args=[p.match.pk]), "post", {"text": "How are you?"}
    )


def _api_send(p):
    return Ask(
        "newcomer",
        reverse("api:v1:messages", args=[p.match.pk]),
        "post",
        {"text": "How are you?"},
    )


REASON = "?reason=match"  # staff say why they read members' records

BUDGETS: dict[str, Callable[[Programme], Ask]] = {
    # Signed out.
    "home": get("anonymous", "home"),
    "healthz": get("anonymous", "healthz"),
    "safety:resources": get("anonymous", "safety:resources"),
    # The newcomer's pages.
    "home:me": get("newcomer", "home:me"),
    "members:profile": get("newcomer", "members:profile"),
    "members:profile_edit": lambda p: Ask(
        "newcomer", reverse("members:profile_edit", args=["about"])
    ),
    "members:export": get("newcomer", "members:export"),
    "members:delete": get("newcomer", "members:delete"),
    "members:onboarding": get("newcomer", "members:onboarding"),
    "members:onboarding_step": lambda p: Ask(
        "newcomer", reverse("members:onboarding_step", args=["about"])
    ),
    "matching:suggestions": get("seeker", "matching:suggestions"),
    "home:me (looking for a mentor)": get("seeker", "home:me"),
    "matching:status": get("newcomer", "matching:status"),
    "safety:block": get("newcomer", "safety:block", peer_id),
    "safety:report": get("newcomer", "safety:report", peer_id),
    "messaging:conversation": get("newcomer", "messaging:conversation", match_id),
    "messaging:new": lambda p: Ask(
        "newcomer", reverse("messaging:new", args=[p.match.pk]) + "?after=0"
    ),
    "checkins:upcoming": get("newcomer", "checkins:upcoming"),
    "checkins:new": get("newcomer", "checkins:new", match_id),
    "safety:help_now": get("newcomer", "safety:help_now"),
    "audit:accounting": get("newcomer", "audit:accounting"),
    "tokens:list": get("newcomer", "tokens:list"),
    "steps:mine": get("newcomer", "steps:mine"),
    "steps:answer": lambda p: Ask(
        "newcomer", reverse("steps:answer", args=[own_step_id(p)]), "post", {"answer": "partly"}
    ),
    "recovery:check": get("newcomer", "recovery:check"),
    "recovery:trend": get("newcomer", "recovery:trend"),
    # The mentor's pages.
    "matching:inbox": get("mentor", "matching:inbox"),
    "home:me (mentor)": get("mentor", "home:me"),
    "members:profile (mentor)": get("mentor", "members:profile"),
    "messaging:conversation (mentor)": get("mentor", "messaging:conversation", match_id),
    "checkins:upcoming (mentor)": get("mentor", "checkins:upcoming"),
    "steps:mine (mentor)": get("mentor", "steps:mine"),
    # The main steps that change something.
    "matching:request": _request,
    "matching:accept": _accept("matching:accept"),
    "matching:decline": _decline("matching:decline"),
    "matching:withdraw": _withdraw("matching:withdraw"),
    "matching:end": _end_ask("matching:end"),
    "safety:report_message": get("newcomer", "safety:report_message", match_id, mentors_message_id),
    "messaging:send": _send,
    "checkins:new (send)": _checkin,
    # The member API.
    "api:v1:me": get("newcomer", "api:v1:me"),
    "api:v1:tags": get("newcomer", "api:v1:tags"),
    "api:v1:languages": get("newcomer", "api:v1:languages"),
    "api:v1:suggestions": get("seeker", "api:v1:suggestions"),
    "api:v1:matches": get("mentor", "api:v1:matches"),
    "api:v1:match": get("newcomer", "api:v1:match", match_id),
    "api:v1:messages": get("newcomer", "api:v1:messages", match_id),
    "api:v1:checkins": get("newcomer", "api:v1:checkins"),
    "api:v1:checkins (mentor)": get("mentor", "api:v1:checkins"),
    "api:v1:me (mentor)": get("mentor", "api:v1:me"),
    "api:v1:me-disclosures": get("newcomer", "api:v1:me-disclosures"),
    "api:v1:me-export": get("newcomer", "api:v1:me-export"),
    "api:v1:me-recovery-check": get("newcomer", "api:v1:me-recovery-check"),
    "api:v1:me-recovery-trend": get("newcomer", "api:v1:me-recovery-trend"),
    "api:v1:me-steps": get("newcomer", "api:v1:me-steps"),
    "api:v1:me-step": get("newcomer", "api:v1:me-step", own_step_id),
    "api:v1:requests": _api_request,
    "api:v1:match-accept": _accept("api:v1:match-accept"),
    "api:v1:match-decline": _decline("api:v1:match-decline"),
    "api:v1:match-withdraw": _withdraw("api:v1:match-withdraw"),
    "api:v1:match-end": _end_ask("api:v1:match-end"),
    "api:v1:messages (send)": _api_send,
    "api:v1:me-step-answers": lambda p: Ask(
        "newcomer",
        reverse("api:v1:me-step-answers", args=[own_step_id(p)]),
        "post",
        {"answer": "went_well"},
    ),
    "api:v1:blocks": _block,
    "api:v1:help-now": _fresh_member_asks(
        lambda p: NewcomerFactory(), "api:v1:help-now", {"may_contact": True}
    ),
    "api:v1:checkins (send)": _api_checkin,
    # The staff API.
    "api:v1:staff-members": get("staff", "api:v1:staff-members", query=REASON),
    "api:v1:staff-matches": get("staff", "api:v1:staff-matches", query=REASON),
    "api:v1:staff-batch-runs": get("staff", "api:v1:staff-batch-runs"),
    "api:v1:staff-batch-run": get("staff", "api:v1:staff-batch-run", fresh_run_id),
    "api:v1:staff-needs-attention": get("staff", "api:v1:staff-needs-attention", query=REASON),
    "api:v1:staff-holds": get("staff", "api:v1:staff-holds", query=REASON),
    "api:v1:staff-reports": get("staff", "api:v1:staff-reports", query=REASON),
    "api:v1:staff-concerns": get("staff", "api:v1:staff-concerns", query=REASON),
    "api:v1:staff-reporting": get("staff", "api:v1:staff-reporting"),
    "api:v1:staff-vet": _staff_post("api:v1:staff-vet", mentor_to_vet, {"status": "approved"}),
    "api:v1:staff-concern-acknowledge": _staff_post(
        "api:v1:staff-concern-acknowledge", fresh_concern_id
    ),
    "api:v1:staff-hold-clear": _staff_post("api:v1:staff-hold-clear", fresh_hold_id),
    # Staff pages PeerLink adds to the admin.
    "programme:dashboard": get("staff", "programme:dashboard"),
    "programme:summary": get("staff", "programme:summary"),
    "programme:queue": get("staff", "programme:queue"),
    "admin:matching_match_queue": get("staff", "admin:matching_match_queue"),
    "admin:checkins_attention": get("staff", "admin:checkins_attention"),
    "admin:members_member_change (newcomer)": record(
        "admin:members_member_change", lambda p: p.newcomer.pk
    ),
    "admin:members_member_change (mentor)": record(
        "admin:members_member_change", lambda p: p.mentor.pk
    ),
    "admin:matching_match_change": record("admin:matching_match_change", match_id),
    "admin:matching_report_change": record("admin:matching_report_change", open_report_id),
    "admin:safety_helprequest_change": record("admin:safety_helprequest_change", open_hold_id),
    "admin:matching_batchrun_run": get("staff", "admin:matching_batchrun_run"),
    "admin:matching_batchrun_preview": get(
        "staff", "admin:matching_batchrun_preview", fresh_run_id
    ),
    "admin:matching_batchrun_apply": get("staff", "admin:matching_batchrun_apply", fresh_run_id),
    "admin:matching_match_reassign": get("staff", "admin:matching_match_reassign", match_id),
    "admin:matching_report_act": lambda p: Ask(
        "staff", reverse("admin:matching_report_act", args=[open_report_id(p), "close"])
    ),
    "admin:safety_helprequest_clear": get("staff", "admin:safety_helprequest_clear", open_hold_id),
    "admin:recovery_instrument_import": get("staff", "admin:recovery_instrument_import"),
    "admin:recovery_instrumentversion_preview": get(
        "staff", "admin:recovery_instrumentversion_preview", live_version_id
    ),
}

# The admin's list of each of PeerLink's models.
PEERLINK_APPS = {
    "api",
    "audit",
    "checkins",
    "home",
    "matching",
    "members",
    "messaging",
    "programme",
    "recovery",
    "safety",
    "steps",
}
for _model in admin.site._registry:
    if _model._meta.app_label in PEERLINK_APPS:
        _name = f"admin:{_model._meta.app_label}_{_model._meta.model_name}_changelist"
        BUDGETS[_name] = get("staff", _name)

# Addresses without a budget here, and why.
NO_BUDGET = {
    "admin:None": "the admin's answer to an unknown address",
    "api:schema": "the API's description, the same for everyone, from no data",
    "api:docs": "the API's description, the same for everyone, from no data",
    "api:None": "the API's 404 for any other address",
    "members:goodbye": "a page after deletion, from no data",
    "checkins:link": "a signed single-use link; the check-in form it opens is budgeted",
    "programme:pairings_csv": "a download whose rows are the data; one query per period",
    "admin:members_member_export": "one member's whole record, after the reason step",
    "api:v1:me-delete": "deletes the account: tests/members/test_delete_account.py",
    "api:v1:reminder-snooze": "one reminder of the member's own",
    "checkins:snooze": "one reminder of the member's own",
    "api:v1:reports": "one report; staff's list of reports is budgeted",
    "safety:tell_staff": "one hold; staff's list of holds is budgeted",
    "api:v1:staff-batch-preview": "computes a whole batch run: bench/matching",
    "api:v1:staff-batch-apply": "applies a whole batch run: one insert per pair by design",
    "api:v1:staff-match-approve": "needs staff approval switched on, which changes every page",
    "api:v1:staff-match-reject": "needs staff approval switched on, which changes every page",
    "api:v1:staff-match-reassign": "one request moved; its admin form is budgeted",
    "home:pause": "the mentor's own switch; answers only with a redirect",
    "steps:edit": "one step of the member's own; the steps page is budgeted",
    "steps:retire": "one step of the member's own; the steps page is budgeted",
    "steps:share": "one step of the member's own; the steps page is budgeted",
    "tokens:revoke": "one token of the member's own; the tokens page is budgeted",
}

# Django's own admin pages for each model; PeerLink's additions are named otherwise.
DJANGO_ADMIN_SUFFIXES = ("_changelist", "_add", "_change", "_delete", "_history")
DJANGO_ADMIN_NAMES = {"index", "login", "logout", "password_change", "password_change_done"}
DJANGO_ADMIN_NAMES |= {"jsi18n", "view_on_site", "autocomplete", "app_list"}


def budgeted_url_names() -> set[str]:
    """Every address a person can ask, apart from the sign-in pages and Django's admin."""

    def not_djangos_admin(namespace: str, name: str) -> bool:
        return namespace != "admin" or not (
            name in DJANGO_ADMIN_NAMES or name.endswith(DJANGO_ADMIN_SUFFIXES)
        )

    return url_names(not_djangos_admin)


def test_every_address_has_a_query_budget():
    budgeted = {label.split()[0] for label in BUDGETS}
    missing = budgeted_url_names() - budgeted - set(NO_BUDGET)
    assert not missing, f"add a query budget for these addresses: {sorted(missing)}"


# --- Counting ------------------------------------------------------------------------


def send(client: Client, ask: Ask):
    if ask.method == "post" and ask.url.startswith("/api/"):
        return client.post(ask.url, ask.data, content_type="application/json")
    return getattr(client, ask.method)(ask.url, ask.data)


def count(programme: Programme, case: Callable[[Programme], Ask]) -> tuple[int, int]:
    """Ask once to warm up, then once counted; return (status, queries)."""
    for counted in (False, True):
        ask = case(programme)
        client = programme.clients.get(ask.role) or Client()
        with CaptureQueriesContext(connection) as captured:
            response = send(client, ask)
        # Read now: the next request starts a new log.
        queries = len(captured)
        if not counted:
            assert response.status_code < 400, f"{ask.url} answered {response.status_code}"
    return response.status_code, queries


def count_everything(programme: Programme) -> dict[str, tuple[int, int]]:
    cache.clear()
    matching_selectors._mentor_cards.clear()
    return {name: count(programme, case) for name, case in BUDGETS.items()}


def count_small_and_large(django_db_blocker) -> tuple[dict, dict]:
    """Every budget counted in a small programme and in one ten times its size."""
    with django_db_blocker.unblock(), transaction.atomic():
        programme = build()
        grow(programme, SMALL)
        small = count_everything(programme)
        grow(programme, LARGE - SMALL)
        large = count_everything(programme)
        transaction.set_rollback(True)
    cache.clear()
    matching_selectors._mentor_cards.clear()
    return small, large


# Counted once per run: each worker's first budget test waits for the counts, and
# the first to ask builds them and shares them through a file (pytest-xdist's advice
# for a session fixture run once), so the workers do not each build the programme.
@pytest.fixture(scope="session")
def counted(django_db_setup, django_db_blocker, tmp_path_factory):
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return count_small_and_large(django_db_blocker)
    shared = tmp_path_factory.getbasetemp().parent / "query-budgets.json"
    with open(shared.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shared.exists():
            shared.write_text(json.dumps(count_small_and_large(django_db_blocker)))
        small, large = json.loads(shared.read_text())
    return (
        {name: tuple(answer) for name, answer in small.items()},
        {name: tuple(answer) for name, answer in large.items()},
    )


@pytest.mark.parametrize("name", list(BUDGETS))
def test_queries_stay_the_same_with_ten_times_the_data(name, counted):
    small, large = counted
    status, queries = small[name]
    assert status < 400, f"{name} answered {status}"
    assert large[name] == (status, queries), f"{name}: {queries} queries, then {large[name][1]}"
