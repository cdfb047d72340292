"""Member A against member B's objects, over every API endpoint.

Every address under `api:v1` that takes an id is found from the URL resolver, and
each must have a case in `MATRIX`: adding an endpoint without one fails
`test_every_endpoint_with_an_id_has_a_case`. For each case, member A (a newcomer
or a mentor, with the session or with a personal token) asks for B's objects with
every method: the answer is exactly the answer for an id that does not exist (404
where the endpoint takes the method; 403 on a staff endpoint, as documented), and
nothing in the database changes. Every list A can read leaves out B's objects,
and a mentor sees a newcomer only as the newcomer shares, from the next call on.
"""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import services as api_services
from api.models import PersonalToken
from checkins import services as checkin_services
from checkins.models import Reminder
from matching.models import BatchRun, Match, MatchOrigin, MatchState
from members.models import Gender, Language, Member, VettingStatus
from messaging import services as messaging_services
from safety import services as safety_services
from safety.models import HelpRequest
from steps import services as step_services
from tests.api.conftest import bearer
from tests.api.endpoints import allowed_methods, api_v1_patterns, id_parameters, view_class
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, tag

pytestmark = pytest.mark.django_db

MISSING = 987654321
METHODS = ["get", "head", "post", "put", "patch", "delete", "options"]
PROJECT_APPS = [
    "members",
    "matching",
    "steps",
    "checkins",
    "safety",
    "audit",
    "messaging",
    "api",
    "recovery",
]
# Written by any authenticated call, by design: when a member was last active
# and when a token was last used. Everything else must stay as it was.
TOUCHED_BY_ANY_CALL = {
    ("members", "member"): {"last_active_at"},
    ("api", "personaltoken"): {"last_used_at"},
}


# --- The endpoints, from the resolver ---------------------------------------------------

PATTERNS = api_v1_patterns()
WITH_ID = sorted(name for name, pattern in PATTERNS.items() if id_parameters(pattern))
WITHOUT_ID = sorted(name for name, pattern in PATTERNS.items() if not id_parameters(pattern))


# --- B's objects ------------------------------------------------------------------------


@pytest.fixture
def b():
    """Member B's side: people A has never met (another language, so never suggested to
    A), with a request waiting for a mentor, an active match with messages, a reminder,
    a check-in with a concern, a request waiting for staff, a hold, a report, a block, a
    mentor waiting to be vetted and a previewed batch run."""
    spanish = [Language.objects.get(code="es")]
    mentor = MentorFactory(
        display_name="Zorblax",
        user__email="zorblax@example.org",
        contact_details="Zorblax's number",
        languages=spanish,
        capacity=5,
    )
    waiting_newcomer = NewcomerFactory(
        display_name="Quillon",
        user__email="quillon@example.org",
        contact_details="Quillon's number",
        languages=spanish,
    )
    active_newcomer = NewcomerFactory(display_name="Vesperine", languages=spanish)
    pending_newcomer = NewcomerFactory(display_name="Thaddeo", languages=spanish)
    now = timezone.now()
    waiting = Match.objects.create(
        newcomer=waiting_newcomer,
        mentor=mentor,
        origin=MatchOrigin.REQUEST,
        state=MatchState.AWAITING_MENTOR,
        score=0.5,
        sent_to_mentor_at=now,
        expires_at=now + datetime.timedelta(hours=72),
    )
    pending = Match.objects.create(
        newcomer=pending_newcomer,
        mentor=mentor,
        origin=MatchOrigin.REQUEST,
        state=MatchState.PENDING_APPROVAL,
        score=0.5,
    )
    active = ActiveMatchFactory(newcomer=active_newcomer, mentor=mentor)
    messaging_services.send_message(
        member=active_newcomer, match_id=active.pk, text="Vesperine's private words"
    )
    messaging_services.send_message(member=mentor, match_id=active.pk, text="Zorblax replies")
    reminder = Reminder.objects.create(
        match=active, recipient=active_newcomer, slot=0, due_at=now + datetime.timedelta(hours=2)
    )
    checkin = checkin_services.checkin_record(
        match_id=active.pk,
        author=active_newcomer,
        connected="no",
        concern=True,
        note="Vesperine's worry",
    )
    hold = HelpRequest.objects.create(
        member=waiting_newcomer, reason="help_now", how_to_contact="Quillon's landline"
    )
    safety_services.report_create(
        reporter=active_newcomer, reported=mentor, text="Vesperine's report"
    )
    to_vet = MentorFactory(
        display_name="Ulfrida", languages=spanish, vetting_status=VettingStatus.PENDING
    )
    run = BatchRun.objects.create(pairs=[[waiting_newcomer.pk, mentor.pk, 0.5, {}]])
    step = step_services.step_create(
        member=active_newcomer, text="Vesperine's step: two meetings", shared=True
    )
    step_services.step_answer(member=active_newcomer, step_id=step.pk, answer="partly")
    return {
        "step": step,
        "waiting": waiting,
        "pending": pending,
        "active": active,
        "reminder": reminder,
        "checkin": checkin,
        "hold": hold,
        "to_vet": to_vet,
        "run": run,
        "mentor": mentor,
        "members": [mentor, waiting_newcomer, active_newcomer, pending_newcomer, to_vet],
    }


# Words only B's side wrote or is called: none may appear in anything A reads.
B_MARKERS = [
    "Zorblax",
    "zorblax@example.org",
    "Quillon",
    "quillon@example.org",
    "Vesperine",
    "Thaddeo",
    "Ulfrida",
    "private words",
    "replies",
    "worry",
    "Vesperine's report",
    "landline",
    "two meetings",
]


# --- The matrix: which of B's objects each endpoint with an id is tried with ------------

STAFF = "staff"  # a member gets 403 (documented): the staff endpoints are public in the schema
MEMBER = "member"  # a member gets 404, as for a missing id

# name: (who may call it, B's objects to try, the body sent with writes)
MATRIX = {
    "match": (MEMBER, ["waiting", "pending", "active"], {}),
    "match-withdraw": (MEMBER, ["waiting", "pending", "active"], {}),
    "match-accept": (MEMBER, ["waiting", "pending", "active"], {}),
    "match-decline": (MEMBER, ["waiting", "pending"], {"reason": "not_a_fit"}),
    "match-end": (MEMBER, ["active"], {"reason": "Moving away"}),
    "messages": (MEMBER, ["waiting", "pending", "active"], {"text": "Hello"}),
    "reminder-snooze": (MEMBER, ["reminder"], {}),
    "staff-vet": (STAFF, ["to_vet"], {"status": "approved"}),
    "staff-match-approve": (STAFF, ["pending"], {}),
    "staff-match-reject": (STAFF, ["pending"], {"reason": "No"}),
    "staff-match-reassign": (STAFF, ["waiting"], {"mentor": "mentor"}),
    "staff-batch-run": (STAFF, ["run"], {}),
    "staff-batch-apply": (STAFF, ["run"], {"confirm": True}),
    "staff-hold-clear": (STAFF, ["hold"], {}),
    "staff-concern-acknowledge": (STAFF, ["checkin"], {}),
    "me-step": (MEMBER, ["step"], {"text": "Now mine", "shared": False, "retired": True}),
    "me-step-answers": (MEMBER, ["step"], {"answer": "went_well"}),
}


def test_every_endpoint_with_an_id_has_a_case():
    assert WITH_ID, "the resolver found no API endpoint with an id"
    missing = sorted(set(WITH_ID) - set(MATRIX))
    assert not missing, f"add these endpoints to MATRIX in this file: {missing}"
    assert not set(MATRIX) - set(WITH_ID), "MATRIX names an endpoint that no longer exists"


def test_the_matrix_tries_every_method_each_endpoint_takes():
    assert set(allowed_methods(PATTERNS["match"])) == {"get", "head"}
    assert set(allowed_methods(PATTERNS["messages"])) == {"get", "head", "post"}
    assert set(allowed_methods(PATTERNS["match-end"])) == {"post"}
    for name in WITH_ID:
        assert set(allowed_methods(PATTERNS[name])) <= set(METHODS)


# --- A ------------------------------------------------------------------------------------


def member_a(role: str) -> Member:
    """A, with an active match and a check-in of their own, so no list is empty by luck."""
    newcomer = NewcomerFactory(display_name="Aurelio")
    mentor = MentorFactory(display_name="Amabel")
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    checkin_services.checkin_record(match_id=match.pk, author=newcomer, connected="yes")
    messaging_services.send_message(member=mentor, match_id=match.pk, text="Amabel says hi")
    return newcomer if role == "newcomer" else mentor


def client_for(member: Member, auth: str) -> Client:
    if auth == "token":
        _token, secret = api_services.personal_token_create(member=member, name="phone")
        return Client(**bearer(secret))
    client = Client()
    client.force_login(member.user)
    return client


def call(client: Client, method: str, url: str, body: dict):
    if method in ("get", "head", "options"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, content_type="application/json")


def database_snapshot() -> dict:
    """Every row of PeerLink's own tables, but what any signed-in call writes."""
    snapshot = {}
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            label = (model._meta.app_label, model._meta.model_name)
            skip = TOUCHED_BY_ANY_CALL.get(label, set())
            fields = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
            snapshot[label] = list(model.objects.order_by("pk").values_list(*fields))
            for m2m in model._meta.many_to_many:
                through = m2m.remote_field.through
                snapshot[(label, m2m.name)] = list(through.objects.order_by("pk").values_list())
    return snapshot


def body_for(data: dict, objects: dict) -> dict:
    return {key: objects[value].pk if value in objects else value for key, value in data.items()}


@pytest.mark.parametrize("auth", ["session", "token"])
@pytest.mark.parametrize("role", ["newcomer", "mentor"])
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_member_a_gets_the_missing_answer_for_each_of_bs_objects_and_nothing_changes(
    b, name, role, auth
):
    who, keys, data = MATRIX[name]
    pattern = PATTERNS[name]
    (parameter,) = id_parameters(pattern)
    a = member_a(role)
    client = client_for(a, auth)
    body = body_for(data, b)
    allowed = allowed_methods(pattern)
    missing_url = reverse(f"api:v1:{name}", kwargs={parameter: MISSING})
    before = database_snapshot()

    for key in keys:
        url = reverse(f"api:v1:{name}", kwargs={parameter: b[key].pk})
        for method in METHODS:
            theirs = call(client, method, url, body)
            missing = call(client, method, missing_url, body)
            context = (name, key, method, theirs.status_code, theirs.content[:200])
            assert theirs.status_code == missing.status_code, context
            assert theirs.content == missing.content, context
            if method in allowed:
                expected = 404 if who == MEMBER else 403
                assert theirs.status_code == expected, context
                if method != "head":
                    code = "not_found" if expected == 404 else "permission_denied"
                    assert theirs.json()["error"]["code"] == code, context

    assert database_snapshot() == before


# --- Lists --------------------------------------------------------------------------------


def staff_only(name: str) -> bool:
    return name.startswith("staff-")


def test_every_endpoint_without_an_id_is_listed_as_member_or_staff():
    """The list check below sorts endpoints by name; a new staff endpoint must say so."""
    for name in WITHOUT_ID:
        module = view_class(PATTERNS[name]).__module__
        assert staff_only(name) == (module == "api.views_staff"), name


@pytest.mark.parametrize("auth", ["session", "token"])
@pytest.mark.parametrize("role", ["newcomer", "mentor"])
def test_nothing_member_a_can_read_includes_bs_objects(b, role, auth):
    a = member_a(role)
    client = client_for(a, auth)
    read = []
    for name in WITHOUT_ID:
        if "get" not in allowed_methods(PATTERNS[name]):
            continue
        url = reverse(f"api:v1:{name}") + "?reason=safety"
        response = client.get(url)
        if staff_only(name):
            assert response.status_code == 403, name
        elif name == "suggestions" and role == "mentor":
            assert response.status_code == 403, "suggestions are for newcomers"
        else:
            assert response.status_code == 200, (name, response.content[:200])
            read.append(name)
        text = response.content.decode()
        leaked = [marker for marker in B_MARKERS if marker in text]
        assert not leaked, (name, leaked)
    assert {"me", "matches", "checkins", "me-disclosures", "me-export"} <= set(read)

    matches = client.get(reverse("api:v1:matches")).json()["results"]
    assert [row["id"] for row in matches] == [Match.objects.get(**{role: a}).pk]
    checkins = client.get(reverse("api:v1:checkins")).json()["results"]
    assert all(row["match"] == Match.objects.get(**{role: a}).pk for row in checkins)
    assert (len(checkins) == 1) == (role == "newcomer")


def test_b_sees_their_own_objects_in_the_same_lists(b):
    """The check above is not empty by luck: B sees their own things in the same lists."""
    client = client_for(b["active"].newcomer, "token")
    assert client.get(reverse("api:v1:matches")).json()["results"][0]["id"] == b["active"].pk
    text = client.get(reverse("api:v1:messages", args=[b["active"].pk])).content.decode()
    assert "Vesperine's private words" in text and "Zorblax replies" in text
    assert client.get(reverse("api:v1:checkins")).json()["count"] == 1


# --- What a mentor sees of a newcomer, and consent revoked --------------------------------

# Each sharing box and the field of `peer` it lets through.
FIELDS = {
    "share_display_name": "name",
    "share_pronouns": "pronouns",
    "share_gender": "gender",
    "share_age_range": "age_range",
    "share_pathways": "pathways",
    "share_substances": "substances",
    "share_life_situation": "life_situation",
    "share_community": "community",
    "share_languages": "languages",
    "share_bio": "bio",
    "share_recovery_goal": "recovery_goal",
    "share_availability": "availability",
    "share_contact": "contact_details",
    "share_email": "email",
}
ONLY_ONCE_ACCEPTED = {"share_contact", "share_email"}
EMPTY = ("", [])


@pytest.fixture
def sharing_newcomer():
    """A newcomer with something in every detail, sharing all of it."""
    member = NewcomerFactory(
        display_name="Robin",
        user__email="robin@example.org",
        pronouns="they/them",
        gender=Gender.NON_BINARY,
        bio="Two years of trying.",
        contact_details="Robin's number",
        tags=[
            tag("pathway-12-step"),
            tag("substance-opioids"),
            tag("life_situation-parenting"),
            tag("community-rural"),
        ],
        **dict.fromkeys(FIELDS, True),
    )
    return member


def peer_fields(client: Client, match_id: int) -> dict:
    """The newcomer as the mentor's one match, its list and its conversation show them."""
    one = client.get(reverse("api:v1:match", args=[match_id])).json()["peer"]
    listed = client.get(reverse("api:v1:matches")).json()["results"][0]["peer"]
    assert one == listed
    return one


@pytest.mark.parametrize("stage", ["request", "active"])
def test_a_mentor_sees_a_newcomers_details_only_as_shared_and_revoking_is_immediate(
    sharing_newcomer, stage
):
    mentor = MentorFactory(display_name="Casey", tags=[tag("pathway-12-step")])
    robin, casey = client_for(sharing_newcomer, "token"), client_for(mentor, "token")
    response = robin.post(
        reverse("api:v1:requests"), {"mentors": [mentor.pk]}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    match_id = response.json()["id"]
    if stage == "active":
        casey.post(reverse("api:v1:match-accept", args=[match_id]))
    assert Match.objects.get(pk=match_id).state == (
        MatchState.ACTIVE if stage == "active" else MatchState.AWAITING_MENTOR
    )

    peer = peer_fields(casey, match_id)
    for flag, field in FIELDS.items():
        visible = stage == "active" or flag not in ONLY_ONCE_ACCEPTED
        assert (peer[field] not in EMPTY) == visible, (stage, field, peer[field])
    assert peer["name"] == "Robin"
    if stage == "active":
        assert (peer["contact_details"], peer["email"]) == ("Robin's number", "robin@example.org")

    # Robin takes back each box in turn; Casey's very next call no longer shows it.
    for flag, field in FIELDS.items():
        response = robin.patch(reverse("api:v1:me"), {flag: False}, content_type="application/json")
        assert response.status_code == 200, response.content
        peer = peer_fields(casey, match_id)
        assert peer[field] in EMPTY, (stage, field, peer[field])
    assert peer["display_name"] == "A peer"
    assert all(peer[field] in EMPTY for field in FIELDS.values())

    # The conversation names Robin as they share it now, too.
    messages = reverse("api:v1:messages", args=[match_id])
    if stage == "active":
        robin.post(messages, {"text": "Hi Casey"}, content_type="application/json")
        assert casey.get(messages).json()["results"][-1]["sender"] == "A peer"
        robin.patch(reverse("api:v1:me"), {"share_display_name": True}, "application/json")
        assert casey.get(messages).json()["results"][-1]["sender"] == "Robin"
    assert PersonalToken.objects.count() == 2
