"""A newcomer tries to learn what mentors keep private by changing their own
matching inputs and reading their suggestions again, through the API and the
profile page, as an attacker would.

The strong form: two worlds that differ only in a mentor's hidden detail (a
hidden gender; a time in recovery within the same band). The attacker follows
one adaptive strategy of at most 20 changes of their own inputs, reading the
API and the page after each, and every answer is the same in both worlds: so
whatever they conclude, they conclude it in both, and the hidden detail stays
hidden. The daily limit on changes is lifted for it, so that the rule holds on
its own; the limit is tested on its own below.
"""

import datetime
import json
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from matching import selectors
from matching.models import MatchingSettings
from members.models import ConsentRecord, Gender, Language, Member
from members.selectors import matching_input_changes_left
from members.services import mentor_set_vetting
from tests.factories import MentorFactory, NewcomerFactory, tag

ME = reverse("api:v1:me")
SUGGESTIONS = reverse("api:v1:suggestions")
PEERS = reverse("matching:suggestions")
MAX_CHANGES = 20


def months_ago(months: int) -> datetime.date:
    """The first of the month `months` whole months before today."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def mentor(name: str, months: int, **fields) -> Member:
    private = {"share_gender": False, "share_gender_for_matching": False}
    return MentorFactory(
        display_name=name, recovery_start_date=months_ago(months), **(private | fields)
    )


@pytest.fixture
def world(db):
    """Mentors, some keeping details private, and a newcomer who wants to know them."""
    MatchingSettings.objects.update_or_create(pk=1, defaults={"suggestion_count": 10})
    mentors = {
        # Targets: what they keep hidden differs between the two worlds.
        "ash": mentor("Ash", 36, gender=Gender.WOMAN),
        "bo": mentor("Bo", 30),
        "cy": mentor("Cy", 13),
        # Others: one shows her gender, one lets preferences use his.
        "di": mentor("Di", 40, gender=Gender.WOMAN, share_gender=True),
        "ed": mentor("Ed", 70, gender=Gender.MAN, share_gender_for_matching=True),
        "flo": mentor("Flo", 150, gender=Gender.NON_BINARY),
    }
    attacker = NewcomerFactory(display_name="Curious")
    return mentors, attacker


def set_hidden(member: Member, **fields) -> None:
    for name, value in fields.items():
        setattr(member, name, value)
    member.save()  # bumps updated_at, as a profile edit would
    selectors._mentor_features_cache.clear()  # as a fresh process would have it


DYNAMIC = re.compile(r'(value|nonce|content)="[^"]{20,}"')


class Attacker:
    """Changes their own inputs through `PATCH /api/v1/me/` and writes down every
    answer: the API's suggestions and the suggestions page."""

    def __init__(self, client, names: dict[int, str]):
        self.client, self.names = client, names
        self.transcript: list = []
        self.changes = 0

    def change(self, **changes) -> None:
        response = self.client.patch(ME, changes, content_type="application/json")
        assert response.status_code == 200, response.content
        self.changes += 1
        self.read()

    def choose_on_page(self, preferred_mentor_genders: list[str]) -> None:
        """Change the preference on the profile page, as a person would."""
        response = self.client.post(
            reverse("members:profile_edit", args=["experience"]),
            {"bio": "", "preferred_mentor_genders": preferred_mentor_genders},
        )
        assert response.status_code == 302, response.content
        self.changes += 1
        self.read()

    def read(self) -> list[str]:
        """Record what both surfaces show; return the names suggested, best first."""
        api = self.client.get(SUGGESTIONS)
        assert api.status_code == 200
        rows = api.json()["results"]
        page = self.client.get(PEERS)
        assert page.status_code == 200
        main = page.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
        self.transcript.append((json.dumps(rows, sort_keys=True), DYNAMIC.sub("", main)))
        return [self.names[row["mentor"]["id"]] for row in rows]

    def shown(self, name: str) -> bool:
        return name in self.read()

    def bisect_recovery_date(self, target: str, steps: int) -> int:
        """Bisect their own months in recovery for where `target` stops being suggested."""
        low, high = 0, 240
        for _ in range(steps):
            middle = (low + high) // 2
            self.change(recovery_start_date=months_ago(middle).isoformat())
            if self.shown(target):
                low = middle
            else:
                high = middle
        return low


def attack(client, mentors) -> Attacker:
    names = {member.pk: key for key, member in mentors.items()}
    attacker = Attacker(client, names)
    attacker.read()
    for preference in (["woman"], ["man"], ["non_binary"]):
        attacker.change(preferred_mentor_genders=preference)
    for preference in (["woman", "man", "non_binary"], ["man"], []):
        attacker.choose_on_page(preference)
    attacker.bisect_recovery_date("bo", steps=8)
    attacker.bisect_recovery_date("cy", steps=6)
    return attacker


def replay_in_other_world(attacker_member: Member) -> None:
    Member.objects.filter(pk=attacker_member.pk).update(
        preferred_mentor_genders=[], recovery_start_date=None, matching_inputs_changed_at=[]
    )


def test_changing_own_inputs_twenty_times_reveals_no_hidden_gender_or_time_in_recovery(
    world, client, settings
):
    # The daily limit on inputs and the API's read limits slow an attacker down;
    # lifted here, the answers themselves must still give nothing away.
    settings.PEERLINK_MATCHING_INPUT_CHANGES_PER_DAY = MAX_CHANGES
    settings.PEERLINK_API_RATE = settings.PEERLINK_API_SUGGESTIONS_RATE = "1000/minute"
    mentors, attacker_member = world
    client.force_login(attacker_member.user)

    first = attack(client, mentors)
    assert first.changes == MAX_CHANGES

    # The other world: Ash is a man, Bo and Cy started later in the same bands.
    set_hidden(mentors["ash"], gender=Gender.MAN)
    set_hidden(mentors["bo"], recovery_start_date=months_ago(58))
    set_hidden(mentors["cy"], recovery_start_date=months_ago(23))
    replay_in_other_world(attacker_member)
    second = attack(client, mentors)

    assert len(first.transcript) == len(second.transcript)
    for step, (one, other) in enumerate(zip(first.transcript, second.transcript, strict=True)):
        assert one == other, f"answer {step} tells the two worlds apart"


def test_a_gender_a_mentor_shows_or_lets_preferences_use_still_counts(world, client, settings):
    mentors, attacker_member = world
    client.force_login(attacker_member.user)
    attacker = Attacker(client, {member.pk: key for key, member in mentors.items()})

    attacker.change(preferred_mentor_genders=["woman"])
    assert "di" in attacker.read()
    assert "ash" not in attacker.read(), "a hidden gender never satisfies a preference"
    attacker.change(preferred_mentor_genders=["man"])
    assert "ed" in attacker.read()
    attacker.change(preferred_mentor_genders=[])
    assert {"ash", "di", "ed", "flo"} <= set(attacker.read())


def test_reasons_say_how_far_along_in_coarse_words(world, client):
    mentors, attacker_member = world
    client.force_login(attacker_member.user)
    rows = client.get(SUGGESTIONS).json()["results"]
    reasons = {row["mentor"]["id"]: row["reasons"] for row in rows}
    assert "Several years further along" in reasons[mentors["ed"].pk]
    assert "More than ten years further along" in reasons[mentors["flo"].pk]
    coarse = {
        "A little further along",
        "More than a year further along",
        "Several years further along",
        "More than ten years further along",
    }
    said = {reason for row in rows for reason in row["reasons"] if "further along" in reason}
    assert said <= coarse


def test_time_in_recovery_shows_as_a_range_only_when_shared(world, client):
    mentors, attacker_member = world
    set_hidden(mentors["bo"], share_time_in_recovery=True)
    client.force_login(attacker_member.user)
    rows = {row["mentor"]["id"]: row["mentor"] for row in client.get(SUGGESTIONS).json()["results"]}
    assert rows[mentors["bo"].pk]["time_in_recovery"] == "2 to 5 years"
    assert rows[mentors["cy"].pk]["time_in_recovery"] == ""
    assert "In recovery: 2 to 5 years" in client.get(PEERS).content.decode()


# --- How often matching inputs may change ----------------------------------------


def test_a_newcomer_changes_matching_inputs_a_few_times_a_day(newcomer, newcomer_client):
    for months in (6, 7, 8):
        changed = newcomer_client.patch(
            ME, {"recovery_start_date": months_ago(months).isoformat()}, "application/json"
        )
        assert changed.status_code == 200

    refused = newcomer_client.patch(ME, {"preferred_mentor_genders": ["woman"]}, "application/json")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert "a day" in error["fields"]["preferred_mentor_genders"][0]
    assert Member.objects.get(pk=newcomer.pk).preferred_mentor_genders == []

    page = newcomer_client.post(
        reverse("members:profile_edit", args=["recovery"]),
        {"recovery_goal": "abstinence", "recovery_start_date": months_ago(9).isoformat()},
    )
    assert page.status_code == 200
    assert "Please try again tomorrow." in page.content.decode()
    assert Member.objects.get(pk=newcomer.pk).recovery_start_date == months_ago(8)

    # Other fields stay free to change, and the next day the inputs are too.
    assert newcomer_client.patch(ME, {"bio": "Hello"}, "application/json").status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        assert matching_input_changes_left(Member.objects.get(pk=newcomer.pk)) == 3
        again = newcomer_client.patch(
            ME, {"preferred_mentor_genders": ["woman"]}, "application/json"
        )
        assert again.status_code == 200


def test_saving_the_same_answers_again_is_not_a_change(newcomer, newcomer_client):
    for _ in range(5):
        same = newcomer_client.patch(ME, {"preferred_mentor_genders": []}, "application/json")
        assert same.status_code == 200
    assert matching_input_changes_left(Member.objects.get(pk=newcomer.pk)) == 3


# --- The box that lets preferences use a hidden gender -------------------------


def sharing_post(member: Member, **changes) -> dict:
    from members.forms import SharingForm

    form = SharingForm(instance=member)
    data = {name: form.initial.get(name) for name in form.fields}
    data.update(changes)
    return {name: value for name, value in data.items() if value not in (False, None)}


def test_a_mentor_ticks_gender_for_matching_and_it_is_recorded_as_consent(mentor, mentor_client):
    sharing = reverse("members:profile_edit", args=["sharing"])
    assert "share_gender_for_matching" in mentor_client.get(sharing).content.decode()
    mentor_client.post(sharing, sharing_post(mentor, share_gender_for_matching=True))
    assert Member.objects.get(pk=mentor.pk).share_gender_for_matching
    assert ConsentRecord.objects.filter(
        member=mentor, category="share_gender_for_matching", granted=True
    ).exists()


def test_a_newcomer_is_not_offered_the_gender_for_matching_box(newcomer, newcomer_client):
    sharing = reverse("members:profile_edit", args=["sharing"])
    assert "share_gender_for_matching" not in newcomer_client.get(sharing).content.decode()
    response = newcomer_client.patch(ME, {"share_gender_for_matching": True}, "application/json")
    assert response.status_code == 400


# --- A vetted mentor's recovery start date -----------------------------------------


def test_a_vetted_mentor_moving_their_date_by_years_goes_back_to_staff(
    mentor, mentor_client, staff_user
):
    mentor_set_vetting(member_id=mentor.pk, status="approved", staff_user=staff_user)
    approved = Member.objects.get(pk=mentor.pk).recovery_start_date

    small = approved - datetime.timedelta(days=20)
    response = mentor_client.patch(
        ME, {"recovery_start_date": small.isoformat()}, "application/json"
    )
    assert response.json()["vetting_status"] == "approved", "a small correction is fine"

    far = approved - datetime.timedelta(days=20 * 365)
    response = mentor_client.patch(ME, {"recovery_start_date": far.isoformat()}, "application/json")
    assert response.status_code == 200
    assert response.json()["vetting_status"] == "pending"
    assert mentor.pk not in set(selectors.mentor_pool().values_list("pk", flat=True))


def test_small_steps_add_up_to_the_date_staff_approved(mentor, mentor_client, staff_user):
    mentor_set_vetting(member_id=mentor.pk, status="approved", staff_user=staff_user)
    date = Member.objects.get(pk=mentor.pk).recovery_start_date
    for _ in range(2):
        date -= datetime.timedelta(days=25)
        mentor_client.patch(ME, {"recovery_start_date": date.isoformat()}, "application/json")
    assert Member.objects.get(pk=mentor.pk).vetting_status == "pending"


def test_the_profile_page_tells_the_mentor_staff_will_review_again(mentor, mentor_client):
    page = mentor_client.post(
        reverse("members:profile_edit", args=["recovery"]),
        {
            "recovery_goal": "abstinence",
            "recovery_start_date": months_ago(240).isoformat(),
            "open_to_harm_reduction": "on",
        },
        follow=True,
    )
    assert Member.objects.get(pk=mentor.pk).vetting_status == "pending"
    assert "they will review your profile again" in page.content.decode()


# --- Hidden tags, age, free times and languages ------------------------------------


def test_changing_own_tags_age_times_and_languages_reveals_no_hidden_detail(db, client, settings):
    """Gil hides their substances, age and free times; Hal hides their languages.
    In the other world those hidden details differ, and nothing the attacker reads
    after 20 changes of their own matching inputs tells the worlds apart."""
    settings.PEERLINK_API_RATE = settings.PEERLINK_API_SUGGESTIONS_RATE = "1000/minute"
    MatchingSettings.objects.update_or_create(pk=1, defaults={"suggestion_count": 10})
    english, spanish = Language.objects.get(code="en"), Language.objects.get(code="es")
    alcohol, opioids = tag("substance-alcohol"), tag("substance-opioids")
    hidden = {"share_substances": False, "share_age_range": False, "share_availability": False}
    gil = mentor("Gil", 40, tags=[alcohol], birth_year=1960, availability=["mon-morning"], **hidden)
    hal = mentor("Hal", 40, languages=[english, spanish], share_languages=False)
    others = {"ivy": mentor("Ivy", 50), "jo": mentor("Jo", 80, birth_year=1975)}
    attacker_member = NewcomerFactory(display_name="Curious", birth_year=1990)
    client.force_login(attacker_member.user)
    mentors = {"gil": gil, "hal": hal, **others}
    changes = [
        {"substances": [alcohol.pk]},
        {"substances": [opioids.pk]},
        {"substances": [alcohol.pk, opioids.pk]},
        {"substances": []},
        {"birth_year": 1960},
        {"birth_year": 1998},
        {"birth_year": 1975},
        {"availability": ["mon-morning"]},
        {"availability": ["fri-late"]},
        {"availability": ["mon-morning", "fri-late"]},
        {"availability": []},
        {"languages": ["es"]},
        {"languages": ["en", "es"]},
        {"languages": ["en"]},
    ]
    changes += changes[: MAX_CHANGES - len(changes)]

    def attack_all() -> list:
        attacker = Attacker(client, {member.pk: key for key, member in mentors.items()})
        attacker.read()
        for change in changes:
            attacker.change(**change)
        assert attacker.changes == MAX_CHANGES
        return attacker.transcript

    first = attack_all()
    names = {member.pk: key for key, member in mentors.items()}
    assert "hal" not in Attacker(client, names).read(), "hidden languages fail closed"

    set_hidden(gil, birth_year=1998, availability=["fri-late"])
    gil.tags.set([opioids])
    set_hidden(hal, share_languages=False)
    hal.languages.set([english])
    Member.objects.filter(pk=attacker_member.pk).update(
        birth_year=1990, availability=["mon-evening", "wed-evening"]
    )
    attacker_member.tags.set([])
    attacker_member.languages.set([english])
    second = attack_all()

    for step, (one, other) in enumerate(zip(first, second, strict=True)):
        assert one == other, f"answer {step} tells the two worlds apart"
