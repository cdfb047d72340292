"""Schemathesis against the API: every operation in the OpenAPI schema, fuzzed.

The schema is the one drf-spectacular serves at /api/schema/; requests go through
PeerLink's real WSGI application (middleware, CSRF and all), in the test's
database. Each role signs in its own way: the newcomer with the browser session
and its CSRF token, the mentor with a personal token, staff with an integration
token carrying both scopes.

For every operation and role, Schemathesis sends valid and invalid requests and
checks that none gets a 5xx and that every answer is documented in the schema
(status code, content type, body). A stateful run then chains operations through
the links Schemathesis infers from the schema and, after each step, checks what
must always hold in the database: no mentor over capacity, at most one open
request or match per newcomer, and a sharing choice a member revoked never shows
in an answer to someone else.

Bounded for CI: a fixed number of examples per operation, derandomized by the
"peerlink" Hypothesis profile (tests/conftest.py), so CI sends the same requests.
"""

import datetime
import re
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.db.models import Count, Q
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import invariant
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api import services as api_services
from api.models import Scope
from checkins.models import Reminder
from checkins.services import checkin_record
from matching.models import OPEN_STATES, Match, MatchState
from matching.services import match_request
from members.models import Member, Role
from messaging.services import send_message
from safety.services import help_request_create
from steps.services import step_create
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, UserFactory
from tests.second_factor import (
    add_authenticator_app,
    current_code,
    enter_code,
    sign_in,
    with_verified_email,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.schemathesis,
    # Whatever a client sends must never become an unsafe cache key.
    pytest.mark.filterwarnings("error::django.core.cache.backends.base.CacheKeyWarning"),
]

# Per operation and role: valid requests, then invalid ones.
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 5}
PINNED_EXAMPLES = 5  # per real row, for operations that take an id
STATEFUL_RUNS = 8
STATEFUL_STEPS = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# What a member revoked, written so that it cannot appear anywhere by chance.
SECRET_NAME = "Quillon Vantablack"
SECRET_BIO = "Zephyrine orchard keeper"
SECRETS = (SECRET_NAME, SECRET_BIO)

DJANGO = WSGIHandler()


def peerlink_app(environ, start_response):
    """PeerLink's WSGI application, keeping the test's connection and its transaction.

    Django closes "old" connections when a request starts and ends; its own test
    client switches that off around each request, and so does this.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = DJANGO(environ, start_response)
        body = b"".join(response)
        response.close()
        return [body]
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def api_schema():
    """The schema as drf-spectacular serves it (generating it reads no table)."""
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", peerlink_app)


@pytest.fixture(autouse=True)
def _no_token_limit(settings):
    """The fuzzer sends far more than any client would; the rate limit has its own tests."""
    settings.PEERLINK_API_RATE = settings.PEERLINK_API_SUGGESTIONS_RATE = "100000/minute"


class World:
    """Realistic data, so that the ids the fuzzer finds in answers exist."""

    def __init__(self):
        self.alice = NewcomerFactory(display_name="Alice", user__email="alice@example.org")
        self.bob = MentorFactory(display_name="Bob", user__email="bob@example.org", capacity=2)
        self.dan = NewcomerFactory(display_name=SECRET_NAME, bio=SECRET_BIO, share_bio=True)
        self.eve = MentorFactory(display_name="Eve", capacity=1)
        self.staff = UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
        self.staff_totp = add_authenticator_app(with_verified_email(self.staff))

        # Dan and Bob: an active match with messages, check-ins and a reminder due.
        self.active = ActiveMatchFactory(newcomer=self.dan, mentor=self.bob)
        send_message(member=self.dan, match_id=self.active.pk, text="Hi Bob, thanks for this.")
        send_message(member=self.bob, match_id=self.active.pk, text="Glad to. Talk Wednesday?")
        checkin_record(match_id=self.active.pk, author=self.bob, connected="yes", rating=4)
        checkin_record(
            match_id=self.active.pk, author=self.dan, connected="tried", concern=True, note="Hard"
        )
        Reminder.objects.create(
            match=self.active,
            recipient=self.bob,
            slot=1,
            due_at=timezone.now() + datetime.timedelta(hours=2),
        )
        # Alice: an open request to Bob, with a note.
        self.request = match_request(
            newcomer=self.alice, mentor_ids=[self.bob.pk], user=self.alice.user, note="Hello"
        )
        # A newcomer with nothing open yet: Eve is among her suggestions.
        self.fay = NewcomerFactory(display_name="Fay")
        # Gus asked for help now: he is held until staff clear it.
        self.gus = NewcomerFactory(display_name="Gus")
        self.hold = help_request_create(member=self.gus, may_contact=True, how_to_contact="")
        # Steps of their own for the newcomers, so the steps endpoints reach real rows.
        self.steps = [
            step_create(member=member, text="Two meetings this week", shared=True).pk
            for member in (self.alice, self.fay)
        ]

        # Bob sees Dan's name and bio, until Dan takes them back over the API.
        _token, secret = api_services.personal_token_create(member=self.bob, name="laptop")
        bob = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert all(text in bob.get("/api/v1/matches/").text for text in SECRETS)
        _token, secret = api_services.personal_token_create(member=self.dan, name="phone")
        answer = Client().patch(
            "/api/v1/me/",
            {"share_display_name": False, "share_bio": False},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert answer.status_code == 200, answer.content
        assert not any(text in bob.get("/api/v1/matches/").text for text in SECRETS)

    # --- Each role signs in its own way -------------------------------------------

    @staticmethod
    def browser(client: Client) -> dict:
        """A signed-in browser: its session cookie, and the CSRF token in cookie and header."""
        csrf = _get_new_csrf_string()
        return {
            "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
            "headers": {"X-CSRFToken": csrf, "Referer": "http://localhost/"},
        }

    def newcomer_session(self) -> dict:
        client = Client()
        client.force_login(self.alice.user)
        return self.browser(client)

    def staff_session(self) -> dict:
        """Staff as they must sign in for the admin: password, then their app's code."""
        client = Client()
        sign_in(client, self.staff.email)
        enter_code(client, current_code(self.staff_totp))
        return self.browser(client)

    def mentor_token(self) -> dict:
        _token, secret = api_services.personal_token_create(member=self.bob, name="phone")
        return {"headers": {"Authorization": f"Bearer {secret}"}}

    def newcomer_token(self) -> dict:
        _token, secret = api_services.personal_token_create(member=self.fay, name="phone")
        return {"headers": {"Authorization": f"Bearer {secret}"}}

    def staff_token(self) -> dict:
        _token, secret = api_services.integration_token_create(
            name="Case notes",
            scopes=[Scope.REPORTING_READ, Scope.STAFF_WRITE],
            created_by=self.staff,
        )
        return {"headers": {"Authorization": f"Bearer {secret}"}}

    def ids(self) -> dict[str, list[int]]:
        """Ids of real rows for each path parameter, so requests reach them too."""
        concern = self.active.checkins.get(concern=True)
        return {
            "match_id": [self.active.pk, self.request.pk],
            "member_id": [self.bob.pk, self.alice.pk],
            "reminder_id": list(self.active.reminders.values_list("pk", flat=True)),
            "checkin_id": [concern.pk],
            "hold_id": [self.hold.pk],
            "step_id": self.steps,
        }

    def viewer(self, role: str) -> Member | None:
        """The member a role signs in as (staff are no member)."""
        members = {"newcomer_session": self.alice, "newcomer_token": self.fay}
        return members.get(role, self.bob if role == "mentor_token" else None)


ROLES = ["newcomer_session", "newcomer_token", "mentor_token", "staff_session", "staff_token"]


@pytest.fixture
def world(db):
    return World()


# --- Invariants --------------------------------------------------------------------


def broken_invariants(response=None, viewer: Member | None = None) -> list[str]:
    """What must always hold, in the database and in an answer to a member."""
    broken = []
    over = Member.objects.filter(role=Role.MENTOR).annotate(
        active=Count("matches_as_mentor", filter=Q(matches_as_mentor__state=MatchState.ACTIVE))
    )
    broken += [f"mentor {m.pk} over capacity" for m in over if m.active > m.capacity]
    twice = (
        Match.objects.filter(state__in=OPEN_STATES)
        .values("newcomer")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    broken += [f"newcomer {row['newcomer']} has {row['n']} open" for row in twice]
    if response is not None and viewer is not None:
        text = response.content.decode("utf-8", "replace")
        broken += [f"revoked detail {s!r} shown" for s in SECRETS if s in text]
    return broken


@contextmanager
def rolled_back():
    """Each example starts from the same data: run it in a savepoint, then undo it."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def fuzz(operation, mode, auth, viewer, path_parameters=None, examples=None):
    @settings(
        max_examples=examples or EXAMPLES[mode],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def run(case):
        with rolled_back():
            response = case.call(
                app=peerlink_app,
                headers={**(case.headers or {}), **auth.get("headers", {})},
                cookies=auth.get("cookies"),
            )
            case.validate_response(response, checks=CHECKS)
            assert not broken_invariants(response, viewer), broken_invariants(response, viewer)

    run()


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_documented(api_schema, world, role):
    """No 5xx and every answer in the schema, for valid and invalid requests alike."""
    auth = getattr(world, role)()
    viewer = world.viewer(role)
    ids = world.ids()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in EXAMPLES:
            fuzz(operation, mode, auth, viewer)
        # Generated ids rarely exist: the same operation again on each real row.
        names = set(re.findall(r"{(\w+)}", operation.path))
        for name in names & set(ids):
            for pk in ids[name]:
                fuzz(operation, GenerationMode.POSITIVE, auth, viewer, {name: pk}, PINNED_EXAMPLES)


@pytest.mark.parametrize("role", ROLES)
def test_chained_calls_break_no_invariant(api_schema, world, role):
    """Stateful: operations chained through the schema's links keep the rules true."""
    auth = getattr(world, role)()
    viewer = world.viewer(role)
    assert not broken_invariants()
    calls = []

    class Machine(api_schema.as_state_machine()):
        def setup(self):
            # Each run starts from the same state: the database is rolled back after
            # it, and the cache (rate-limit counts among it) is emptied before it, so
            # an earlier run's calls cannot turn this one's into 429s.
            cache.clear()
            self._savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self._savepoint)

        def get_call_kwargs(self, case):
            return {
                "app": peerlink_app,
                "headers": {**(case.headers or {}), **auth.get("headers", {})},
                "cookies": auth.get("cookies"),
            }

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)
            assert not broken_invariants(response, viewer), broken_invariants(response, viewer)

        def after_call(self, response, case):
            calls.append((case.method, case.operation.path, response.status_code))

        @invariant()
        def rules_hold(self):
            assert not broken_invariants(), broken_invariants()

    Machine.run(
        settings=settings(
            max_examples=STATEFUL_RUNS,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    # Not vacuous: the chain got past authentication to the services, and some steps worked.
    assert any(status < 300 for _method, _path, status in calls), calls
    assert any(method == "POST" and status in (200, 201, 409) for method, _p, status in calls)


def test_the_invariants_can_fail(world):
    """The checks above are real: an over-full mentor and a revoked detail are seen."""
    assert not broken_invariants()
    Match.objects.filter(pk=world.request.pk).update(state=MatchState.ACTIVE)
    world.bob.capacity = 1
    world.bob.save(update_fields=["capacity"])
    leaky = Client().get("/api/v1/tags/")
    leaky.content = f'{{"name": "{SECRET_NAME}"}}'.encode()
    problems = broken_invariants(leaky, viewer=world.bob)
    assert f"mentor {world.bob.pk} over capacity" in problems
    assert f"revoked detail {SECRET_NAME!r} shown" in problems
