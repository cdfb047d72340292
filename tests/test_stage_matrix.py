"""The stage matrix: what each person sees of a pair at every stage, on every surface.

A pair is built with the real services at each stage a request or match can
reach (waiting for staff, rejected, withdrawn before and after the mentor was
asked, requested, declined, expired, active, ended, blocked by either side).
Then each surface that can show a match, a member or a note (found from the
URL resolver and the export, so a new one cannot slip past) is asked by the
newcomer, the mentor, two strangers and staff. The one stage rule
(`Match.stage_for` and `Match.objects.visible_to`) decides what each should see:

- a mentor knows nothing of a request staff have not passed on: every address
  with its id answers as a missing id, and no page, list, export or email
  names the newcomer or quotes their note;
- the request note reaches the mentor only while the request is theirs to
  answer and once the pair was matched, never after a request closed unmatched;
- a pair a block closed reads exactly as one that ended;
- strangers see nothing, and staff pages never show the request note.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import Disclosure
from matching import services
from matching.models import Block, EndedBy, Match, MatchingSettings, PairStage, Report
from matching.notifications import EVENTS, send_match_email
from members.export import member_data_export
from members.models import Language
from members.visibility import DETAIL_FLAGS
from messaging import services as messaging_services
from messaging.models import Message
from safety import services as safety_services
from steps import services as step_services
from tests.audit_helpers import open_record
from tests.clients import client_for
from tests.factories import MentorFactory, NewcomerFactory, tag
from tests.url_names import url_names

pytestmark = pytest.mark.django_db

NOTE = "note-canary: I chose you because of the running"
CONTACT = "contact-canary-0712"
STEP = "step-canary: two meetings this week"
PRIVATE_STEP = "private-step-canary: no drinks on weeknights"
MISSING = 987654321

# --- The surfaces ----------------------------------------------------------------

# Addresses that take the id of a match, a member or a message: each is asked by
# every viewer in every world. (URL name, method, what its ids are, extra data.)
ID_SURFACES = {
    "matching:withdraw": ("post", "match", {}),
    "matching:accept": ("post", "match", {}),
    "matching:decline": ("post", "match", {"reason": "not_a_fit"}),
    "matching:end": ("post", "match", {"reason": "Moving on"}),
    "safety:block": ("get", "peer", {}),
    "safety:report": ("get", "peer", {}),
    "messaging:conversation": ("get", "match", {}),
    "messaging:send": ("post", "match", {"text": "Hello from the matrix"}),
    "messaging:new": ("get", "match", {"after": "0"}),
    "safety:report_message": ("get", "note", {}),
    "safety:tell_staff": ("post", "note", {"include_message": "on"}),
    "checkins:new": ("get", "match", {}),
    "api:v1:match": ("get", "match", {}),
    "api:v1:match-withdraw": ("post", "match", {}),
    "api:v1:match-accept": ("post", "match", {}),
    "api:v1:match-decline": ("post", "match", {"reason": "not_a_fit"}),
    "api:v1:match-end": ("post", "match", {"reason": "Moving on"}),
    "api:v1:messages": ("get", "match", {}),
}
# Addresses that take a member id in the body: blocking or reporting a peer.
PEER_BODY_SURFACES = {
    "api:v1:blocks": {"reason": ""},
    "api:v1:reports": {"text": "A concern"},
}
# Pages, lists and documents that may show pairs without an id in the address.
LIST_SURFACES = [
    "home:me",
    "members:profile",
    "members:export",
    "matching:status",
    "matching:inbox",
    "matching:suggestions",
    "checkins:upcoming",
    "audit:accounting",
    "api:v1:me",
    "api:v1:matches",
    "api:v1:checkins",
    "api:v1:suggestions",
    "api:v1:me-export",
    "api:v1:me-disclosures",
    "steps:mine",
    "api:v1:me-steps",
]
# A block keeps the pair out of each other's suggestions for good; a mentor is
# left out of suggestions for many reasons (room, a pause, languages), so their
# absence tells nothing, and these are left out where a block is compared with an end.
SUGGESTIONS = {"matching:suggestions", "api:v1:suggestions", "home:me"}
# Every other address, and why it cannot show a pair to a member.
NOT_A_PAIR = {
    "healthz": "a health check",
    "home": "the public home page",
    "home:pause": "the mentor's own pause switch; answers only with a redirect",
    "matching:request": "makes a request; answers only about the requester's choice",
    "api:v1:requests": "makes a request; answers only about the requester's choice",
    "api:v1:tags": "the vocabulary",
    "api:v1:languages": "the vocabulary",
    "api:v1:help-now": "the member's own hold",
    "safety:help_now": "the member's own hold",
    "api:v1:me-delete": "the member's own account",
    "members:delete": "the member's own account",
    "members:goodbye": "a page after deletion",
    "members:onboarding": "the member's own profile",
    "members:onboarding_step": "the member's own profile",
    "members:profile_edit": "the member's own profile",
    "tokens:list": "the member's own tokens",
    "tokens:revoke": "the member's own tokens",
    "checkins:link": "a signed single-use token for one reminder's recipient",
    "checkins:snooze": "a reminder of the member's own (tests/test_other_members_objects.py)",
    "api:v1:reminder-snooze": "a reminder of the member's own (tests/api/test_idor_matrix.py)",
    "api:schema": "the API's description",
    "api:docs": "the API's description",
    "api:None": "the API's 404 for any other address",
    "safety:resources": "the programme's resources, the same for everyone",
    "recovery:check": "the member's own recovery check; no peer is named",
    "recovery:trend": "the member's own answers over time; no peer is named",
    "api:v1:me-recovery-check": "the member's own recovery check; no peer is named",
    "api:v1:me-recovery-trend": "the member's own answers over time; no peer is named",
    "steps:edit": "a step of the member's own (tests/steps/test_views.py)",
    "steps:share": "a step of the member's own (tests/steps/test_views.py)",
    "steps:retire": "a step of the member's own (tests/steps/test_views.py)",
    "steps:answer": "a step of the member's own (tests/steps/test_views.py)",
    "api:v1:me-step": "a step of the member's own (tests/api/test_idor_matrix.py)",
    "api:v1:me-step-answers": "a step of the member's own (tests/api/test_idor_matrix.py)",
    "programme:dashboard": "staff only, inside the admin: counts, never a member",
    "programme:summary": "staff only, inside the admin: counts, never a member",
    "programme:pairings_csv": "staff only, inside the admin: ids and numbers, no free text",
    "programme:queue": "staff only, inside the admin; each record opens behind the reason step",
}
STAFF_ONLY = "api:v1:staff-"  # staff endpoints: asked as staff below
# Parts of the export that show pairs, and the rest (the member's own data).
EXPORT_PAIR_PARTS = {
    "matches",
    "conversations",
    "check_ins",
    "reminders",
    "blocks_you_made",
    "reports_you_made",
    "accounting_of_disclosures",
    "concerns_you_raised_with_staff",
}
EXPORT_OWN_PARTS = {
    "format_version",
    "account",
    "profile",
    "consent_records",
    "help_requests",
    "api_tokens",
    "home_page_visits",
    "recovery_checks",
    "steps",
}


def member_facing_url_names() -> set[str]:
    return url_names(lambda namespace, name: namespace != "admin")


def test_every_address_and_export_part_has_a_row_in_the_matrix():
    known = set(ID_SURFACES) | set(PEER_BODY_SURFACES) | set(LIST_SURFACES) | set(NOT_A_PAIR)
    missing = {
        name
        for name in member_facing_url_names()
        if name not in known and not name.startswith(STAFF_ONLY)
    }
    assert not missing, f"add these addresses to the stage matrix: {sorted(missing)}"
    member = NewcomerFactory()
    parts = set(member_data_export(member))
    assert parts == EXPORT_PAIR_PARTS | EXPORT_OWN_PARTS, "a new export part needs a row"


# --- The worlds ------------------------------------------------------------------


@dataclass
class World:
    newcomer: object
    mentor: object
    match: Match
    note: Message


def _share_everything(member, name: str):
    for flag in DETAIL_FLAGS.values():
        setattr(member, flag, True)
    member.display_name = name
    member.contact_details = f"{CONTACT}-{name}"
    member.save()
    # One step shared with the peer and one kept private.
    step_services.step_create(member=member, text=f"{STEP}-{name}", shared=True)
    step_services.step_create(member=member, text=f"{PRIVATE_STEP}-{name}")
    return member


def build(stage: str, *, newcomer_name="Kestrel", mentor_name="Lapwing") -> World:
    """Build one pair at `stage` with the services, with staff approval on."""
    MatchingSettings.objects.update_or_create(pk=1, defaults={"require_staff_approval": True})
    pathway = tag("pathway-12-step")
    newcomer = _share_everything(NewcomerFactory(tags=[pathway]), newcomer_name)
    mentor = _share_everything(MentorFactory(tags=[pathway]), mentor_name)
    match = services.match_request(
        newcomer=newcomer, mentor_ids=[mentor.pk], user=newcomer.user, note=NOTE
    )
    staff = newcomer.user.__class__.objects.create(email=f"staff-{newcomer.pk}@example.org")
    if stage == "withdrawn_before_approval":
        services.match_withdraw(match_id=match.pk, newcomer=newcomer)
    elif stage == "rejected":
        services.match_reject(match_id=match.pk, staff_user=staff)
    elif stage != "pending_staff":
        services.match_approve(match_id=match.pk, staff_user=staff)
        if stage == "withdrawn":
            services.match_withdraw(match_id=match.pk, newcomer=newcomer)
        elif stage == "declined":
            services.match_decline(match_id=match.pk, mentor=mentor, reason="not_a_fit")
        elif stage == "request_blocked_by_newcomer":
            safety_services.member_block(blocker=newcomer, blocked=mentor)
        elif stage == "request_blocked_by_mentor":
            safety_services.member_block(blocker=mentor, blocked=newcomer)
        elif stage == "expired":
            Match.objects.filter(pk=match.pk).update(expires_at=timezone.now())
            services.match_expire(match_id=match.pk)
        elif stage != "requested":
            services.match_accept(match_id=match.pk, mentor=mentor)
            if stage in ("ended", "ended_by_mentor"):
                by_mentor = stage == "ended_by_mentor"
                services.match_end(
                    match_id=match.pk,
                    ended_by=EndedBy.MENTOR if by_mentor else EndedBy.NEWCOMER,
                    member=mentor if by_mentor else newcomer,
                    reason=services.NEUTRAL_END_REASON,
                )
            elif stage == "blocked_by_newcomer":
                safety_services.member_block(blocker=newcomer, blocked=mentor)
            elif stage == "blocked_by_mentor":
                safety_services.member_block(blocker=mentor, blocked=newcomer)
    match.refresh_from_db()
    note = Message.objects.get(conversation__match=match, is_request_note=True)
    return World(newcomer, mentor, match, note)


# What the mentor should see in each world. The newcomer always knows of their
# own request and reads their own note; check-ins exist only once matched.
@dataclass(frozen=True)
class Expected:
    mentor_knows: bool  # the request or match, and the newcomer's name
    mentor_reads_note: bool
    matched: bool  # check-ins, and the conversation after the match
    contact: bool  # contact details, both ways


UNKNOWN = Expected(False, False, False, False)
WORLDS = {
    "pending_staff": UNKNOWN,
    "withdrawn_before_approval": UNKNOWN,
    "rejected": UNKNOWN,
    "requested": Expected(True, True, False, False),
    "withdrawn": Expected(True, False, False, False),
    "declined": Expected(True, False, False, False),
    "expired": Expected(True, False, False, False),
    "request_blocked_by_newcomer": Expected(True, False, False, False),
    "request_blocked_by_mentor": Expected(True, False, False, False),
    "active": Expected(True, True, True, True),
    "ended": Expected(True, True, True, False),
    "blocked_by_newcomer": Expected(True, True, True, False),
    "blocked_by_mentor": Expected(True, True, True, False),
}


# --- Asking every surface ----------------------------------------------------------


def _ids(world: World, kind: str, viewer) -> list:
    if kind == "match":
        return [world.match.pk]
    if kind == "note":
        return [world.match.pk, world.note.pk]
    other = world.mentor if viewer.pk == world.newcomer.pk else world.newcomer
    return [other.pk]


def _missing(kind: str) -> list:
    return [MISSING, MISSING] if kind == "note" else [MISSING]


def _call(client, method: str, url: str, data: dict):
    if url.startswith("/api/"):
        if method == "post":
            return client.post(url, data, content_type="application/json")
        return client.get(url)
    return getattr(client, method)(url, data)


def _state(world: World) -> tuple:
    match = Match.objects.get(pk=world.match.pk)
    return (
        match.state,
        Match.objects.count(),
        Message.objects.count(),
        Block.objects.count(),
        Report.objects.count(),
    )


@dataclass
class Seen:
    """What one viewer got from every surface in one world."""

    statuses: dict[str, int]
    like_missing: dict[str, bool]
    text: str
    suggestions: str = ""

    def shows(self, canary: str) -> bool:
        return canary in self.text or canary in self.suggestions


def look(world: World, viewer, *, act: bool) -> Seen:
    """Ask every surface as `viewer`. With `act`, also try every step that changes
    something; only a viewer who may not know of the pair should (it must fail)."""
    client = client_for(viewer)
    statuses, like_missing, bodies = {}, {}, []
    for name, (method, kind, data) in ID_SURFACES.items():
        if method == "post" and not act:
            continue
        before = _state(world)
        url = reverse(name, args=_ids(world, kind, viewer))
        response = _call(client, method, url, data)
        statuses[name] = response.status_code
        if act:
            missing = _call(client, method, reverse(name, args=_missing(kind)), data)
            like_missing[name] = (response.status_code, response.content) == (
                missing.status_code,
                missing.content,
            ) and _state(world) == before
        bodies.append(response.content.decode())
    if act:
        for name, data in PEER_BODY_SURFACES.items():
            before = _state(world)
            other = world.mentor if viewer.pk == world.newcomer.pk else world.newcomer
            response = _call(client, "post", reverse(name), {**data, "member": other.pk})
            missing = _call(client, "post", reverse(name), {**data, "member": MISSING})
            statuses[name] = response.status_code
            like_missing[name] = (response.status_code, response.content) == (
                missing.status_code,
                missing.content,
            ) and _state(world) == before
    suggestions = []
    for name in LIST_SURFACES:
        response = client.get(reverse(name), follow=True)
        statuses[name] = response.status_code
        (suggestions if name in SUGGESTIONS else bodies).append(response.content.decode())
    bodies.append(json.dumps(member_data_export(viewer)))
    for email in mail.outbox:
        if viewer.user.email in email.to:
            bodies.append(email.subject + email.body)
    return Seen(statuses, like_missing, "\n".join(bodies), "\n".join(suggestions))


def _name_shown(seen: Seen, name: str) -> bool:
    text = seen.text + seen.suggestions
    return re.search(rf"\b{name}\b", text) is not None


@pytest.mark.parametrize("stage", list(WORLDS))
def test_the_mentor_sees_a_pair_only_as_its_stage_allows(stage):
    world = build(stage)
    expected = WORLDS[stage]

    seen = look(world, world.mentor, act=not expected.mentor_knows)

    assert _name_shown(seen, "Kestrel") is expected.mentor_knows
    assert seen.shows(NOTE) is expected.mentor_reads_note
    assert seen.shows(f"{CONTACT}-Kestrel") is expected.contact
    # A shared step only while the match is active, as contact details.
    assert seen.shows(f"{STEP}-Kestrel") is expected.contact
    assert not seen.shows(f"{PRIVATE_STEP}-Kestrel")
    recorded = Disclosure.objects.filter(
        member_id=world.newcomer.pk, viewer_member_id=world.mentor.pk
    ).exists()
    assert recorded is expected.mentor_knows, "the newcomer's accounting says what the mentor saw"
    if not expected.mentor_knows:
        answered = {name for name, same in seen.like_missing.items() if not same}
        assert not answered, f"these told the mentor the request exists: {sorted(answered)}"
        return
    assert seen.statuses["api:v1:match"] == 200
    assert seen.statuses["safety:block"] == seen.statuses["safety:report"] == 200
    for name in (
        "messaging:conversation",
        "messaging:new",
        "api:v1:messages",
        "safety:report_message",
    ):
        assert (seen.statuses[name] == 200) is expected.mentor_reads_note, name
    assert (seen.statuses["checkins:new"] == 200) is expected.matched


@pytest.mark.parametrize("stage", list(WORLDS))
def test_the_newcomer_always_sees_their_own_request_and_note(stage):
    world = build(stage)
    expected = WORLDS[stage]

    seen = look(world, world.newcomer, act=False)

    assert _name_shown(seen, "Lapwing")
    assert seen.shows(NOTE)
    assert seen.shows(f"{CONTACT}-Lapwing") is expected.contact
    assert seen.shows(f"{STEP}-Lapwing") is expected.contact
    assert not seen.shows(f"{PRIVATE_STEP}-Lapwing")
    for name in ("api:v1:match", "messaging:conversation", "api:v1:messages"):
        assert seen.statuses[name] == 200, name
    assert (seen.statuses["checkins:new"] == 200) is expected.matched
    assert seen.statuses["safety:report_message"] == 404, "nobody reports their own note"


@pytest.mark.parametrize("stage", ["pending_staff", "active", "declined"])
@pytest.mark.parametrize("role", ["newcomer", "mentor"])
def test_a_stranger_sees_nothing_of_the_pair_at_any_stage(stage, role):
    world = build(stage)
    # A stranger who could never be suggested the mentor (no shared language).
    elsewhere = [Language.objects.exclude(code="en").first()]
    stranger = NewcomerFactory(languages=elsewhere) if role == "newcomer" else MentorFactory()

    seen = look(world, stranger, act=True)

    assert not _name_shown(seen, "Kestrel") and not _name_shown(seen, "Lapwing")
    assert not seen.shows(NOTE)
    assert not seen.shows(STEP) and not seen.shows(PRIVATE_STEP)
    answered = {name for name, same in seen.like_missing.items() if not same}
    assert not answered, f"these answered a stranger: {sorted(answered)}"


@pytest.mark.parametrize("stage", list(WORLDS))
def test_lists_and_the_one_pair_rule_agree(stage):
    world = build(stage)
    stranger = MentorFactory()
    for viewer in (world.newcomer, world.mentor, stranger):
        listed = Match.objects.visible_to(viewer).filter(pk=world.match.pk).exists()
        assert listed is (world.match.stage_for(viewer) != PairStage.NOT_VISIBLE)


def _as_read(seen: Seen, names: dict[str, str]) -> str:
    """The text a viewer saw, with names, numbers and per-request tokens made neutral."""
    text = seen.text
    for name, neutral in names.items():
        text = text.replace(name, neutral)
    text = re.sub(r"csrfmiddlewaretoken\" value=\"[^\"]+", "csrf", text)
    text = re.sub(r"nonce=\"[^\"]+", "nonce", text)
    text = re.sub(r"since=[^\"&\s]+", "since", text)  # message cursors encode times
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(\+00:00|Z)?", "time", text)
    return re.sub(r"\d+", "#", text)


@pytest.mark.parametrize(
    ("stage", "blocked_side", "ordinary_end"),
    [
        ("blocked_by_newcomer", "mentor", "ended"),
        ("blocked_by_mentor", "newcomer", "ended_by_mentor"),
        ("request_blocked_by_newcomer", "mentor", "withdrawn"),
        ("request_blocked_by_mentor", "newcomer", "declined"),
    ],
)
def test_the_blocked_side_sees_exactly_what_an_ordinary_end_shows(
    stage, blocked_side, ordinary_end
):
    ended = build(ordinary_end, newcomer_name="Kestrel", mentor_name="Lapwing")
    blocked = build(stage, newcomer_name="Plover", mentor_name="Dunlin")

    after_end = look(ended, getattr(ended, blocked_side), act=False)
    after_block = look(blocked, getattr(blocked, blocked_side), act=False)

    assert after_block.statuses == after_end.statuses
    neutral = {"Kestrel": "N", "Plover": "N", "Lapwing": "M", "Dunlin": "M"}
    assert _as_read(after_block, neutral) == _as_read(after_end, neutral)


def test_staff_pages_never_show_the_request_note(staff_client):
    world = build("active")
    said = messaging_services.send_message(
        member=world.mentor, match_id=world.match.pk, text="A message that gets reported"
    )
    report = safety_services.report_create(
        reporter=world.newcomer, reported=world.mentor, text="", message=said
    )

    pages = [
        open_record(staff_client, reverse("admin:matching_report_change", args=[report.pk])),
        open_record(staff_client, reverse("admin:matching_match_change", args=[world.match.pk])),
        staff_client.get(reverse("admin:matching_match_changelist")),
    ]

    assert all(page.status_code == 200 for page in pages)
    assert b"A message that gets reported" in pages[0].content, "staff see what was reported"
    assert not any(NOTE.encode() in page.content for page in pages)


@pytest.mark.parametrize(
    "event", [event for event, (side, _) in EVENTS.items() if side == "mentor"]
)
def test_no_email_tells_a_mentor_of_a_request_staff_have_not_approved(event):
    world = build("pending_staff")
    mail.outbox.clear()

    sent = send_match_email(match_id=world.match.pk, event=event)

    assert sent is False
    assert not [email for email in mail.outbox if world.mentor.user.email in email.to]


def test_staff_pages_show_how_many_steps_never_their_words(staff_client):
    world = build("active")

    pages = [
        open_record(staff_client, reverse("admin:members_member_change", args=[world.newcomer.pk])),
        staff_client.get(reverse("admin:members_member_changelist")),
        open_record(staff_client, reverse("admin:matching_match_change", args=[world.match.pk])),
    ]

    assert all(page.status_code == 200 for page in pages)
    assert b"2 steps, 1 shared" in pages[0].content
    assert not any(STEP.encode() in page.content for page in pages)
    assert not any(PRIVATE_STEP.encode() in page.content for page in pages)
