"""Staff read each newcomer's computed suggestions, with scores and prices; members never do."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import RecordPart, StaffRead
from matching import services
from matching.models import MatchingSettings, SuggestionList, SuggestionPlan, SuggestionRanking
from tests.audit_helpers import REASON_QUESTION, open_record
from tests.factories import MentorFactory, NewcomerFactory, OpenRequestFactory, tag
from tests.matching.test_admin import settings_form
from tests.staff_roles import COORDINATOR, REPORTING, VETTING, client_for_staff, staff_in

pytestmark = pytest.mark.django_db

LISTS = reverse("admin:matching_suggestionlist_changelist")
API_SUGGESTIONS = reverse("api:v1:suggestions")


def list_url(newcomer) -> str:
    return reverse("admin:matching_suggestionlist_change", args=[newcomer.pk])


def member_url(member) -> str:
    return reverse("admin:members_member_change", args=[member.pk])


@pytest.fixture
def crowd():
    """Three newcomers who all fit Kai best, and Kai has room for one: Kai is in demand.
    Noor fits them less but has room to spare."""
    pathway = tag("pathway-12-step")
    kai = MentorFactory(display_name="Kai", capacity=1, tags=[pathway])
    noor = MentorFactory(display_name="Noor", capacity=3)
    newcomers = [
        NewcomerFactory(display_name=name, tags=[pathway]) for name in ["Robin", "Sam", "Ash"]
    ]
    plan = services.suggestions_recompute()
    return {"plan": plan, "kai": kai, "noor": noor, "newcomers": newcomers}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_staff_see_each_suggestion_with_its_score_breakdown_and_price(staff_client, crowd):
    robin, kai, noor = crowd["newcomers"][0], crowd["kai"], crowd["noor"]
    kai_price = crowd["plan"].prices[str(kai.pk)]
    assert kai_price > 0
    assert str(noor.pk) not in crowd["plan"].prices

    response = open_record(staff_client, list_url(robin))

    assert response.status_code == 200
    page = text_of(response)
    assert f'<a href="{member_url(robin)}">Robin</a>' in page
    assert f'<a href="{member_url(kai)}">Kai</a>' in page
    assert f'<a href="{member_url(noor)}">Noor</a>' in page
    kai_row = page.split(">Kai</a>", 1)[1].split("</tr>", 1)[0]
    noor_row = page.split(">Noor</a>", 1)[1].split("</tr>", 1)[0]
    assert f"<td>{kai_price:.2f}</td>" in kai_row
    assert "<td>0.00</td>" in noor_row
    assert "Recovery pathway overlap: 1.00" in kai_row
    assert "fit (" in kai_row  # the score, in words with its figure
    assert "0 means room to spare" in page
    # No one can change or delete a computed list.
    assert "Save" not in page and "Delete" not in page


def test_the_list_of_lists_shows_the_last_computation_and_each_newcomer(staff_client, crowd):
    page = text_of(staff_client.get(LISTS))

    assert "Last computation" in page
    assert "Newcomers with a list</th><td>3<" in page
    for name in ["Robin", "Sam", "Ash"]:
        assert name in page
    assert "Spread across mentors with room" in page


def test_before_the_first_computation_the_lists_say_so(staff_client):
    page = text_of(staff_client.get(LISTS))

    assert "Not computed yet" in page


def test_newcomers_waiting_for_room_come_first_and_their_list_says_why(staff_client):
    kai = MentorFactory(display_name="Kai", capacity=1)
    # Kai has room for one: the newcomer who has waited longest is planned for it.
    ash = NewcomerFactory(display_name="Ash", onboarded_at=timezone.now() - timedelta(days=10))
    robin = NewcomerFactory(display_name="Robin")
    NewcomerFactory(display_name="Sam")
    services.suggestions_recompute()
    assert not SuggestionList.objects.get(newcomer=ash).waiting_for_room

    listing = text_of(staff_client.get(LISTS))
    page = text_of(open_record(staff_client, list_url(robin)))

    assert listing.index(">Robin<") < listing.index(">Ash<")
    assert listing.index(">Sam<") < listing.index(">Ash<")
    assert "Waiting for room</th><td>2<" in listing
    assert "all their room planned for others" in page
    assert f">{kai.display_name}</a>" not in page


def test_the_pages_take_the_same_queries_with_more_lists_and_mentors(
    staff_client, django_assert_max_num_queries
):
    def grow(newcomers: int, mentors: int) -> None:
        for _ in range(mentors):
            MentorFactory()
        for _ in range(newcomers):
            NewcomerFactory()
        services.suggestions_recompute()

    grow(newcomers=2, mentors=2)
    short = SuggestionList.objects.exclude(entries=[]).first()
    newcomer = short.newcomer
    open_record(staff_client, list_url(newcomer))
    # Each count is taken at once: the next request clears the connection's log.
    with django_assert_max_num_queries(30) as queries:
        staff_client.get(list_url(newcomer))
    one_list = len(queries)
    with django_assert_max_num_queries(30) as queries:
        staff_client.get(LISTS)
    all_lists = len(queries)

    grow(newcomers=20, mentors=8)
    longest = max(SuggestionList.objects.all(), key=lambda stored: len(stored.entries))
    assert len(longest.entries) > 2
    newcomer = longest.newcomer
    open_record(staff_client, list_url(newcomer))
    # Beyond a fixed number, only the audit: one row per mentor named.
    with django_assert_max_num_queries(one_list + len(longest.entries) - len(short.entries)):
        staff_client.get(list_url(newcomer))
    with django_assert_max_num_queries(all_lists):
        staff_client.get(LISTS)


def test_the_pairing_page_shows_the_mentors_price_next_to_the_breakdown(staff_client, crowd):
    robin, kai = crowd["newcomers"][0], crowd["kai"]
    price = crowd["plan"].prices[str(kai.pk)]
    match = OpenRequestFactory(newcomer=robin, mentor=kai)

    response = open_record(staff_client, reverse("admin:matching_match_change", args=[match.pk]))

    page = text_of(response)
    breakdown_at = page.index('class="score-breakdown"')
    price_at = page.index("Mentor&#x27;s price now")
    assert breakdown_at < price_at
    assert f"<strong>{price:.2f}</strong>" in page
    assert "0 means room to spare" in page


def test_the_pairing_page_says_when_no_price_was_computed_yet(staff_client):
    match = OpenRequestFactory()
    assert not SuggestionPlan.objects.exists()

    page = text_of(
        open_record(staff_client, reverse("admin:matching_match_change", args=[match.pk]))
    )

    assert "Not computed yet" in page


def test_the_pairing_page_says_the_plain_ranking_prices_nobody(staff_client):
    programme = MatchingSettings.get_solo()
    programme.suggestion_ranking = SuggestionRanking.PLAIN
    programme.save()
    newcomer, mentor = NewcomerFactory(), MentorFactory()
    services.suggestions_recompute()
    match = OpenRequestFactory(newcomer=newcomer, mentor=mentor)

    page = text_of(
        open_record(staff_client, reverse("admin:matching_match_change", args=[match.pk]))
    )

    assert "ranked by best scores only" in page


def test_opening_a_list_asks_why_and_records_the_newcomer_and_every_mentor(staff_client, crowd):
    robin, kai, noor = crowd["newcomers"][0], crowd["kai"], crowd["noor"]

    first = staff_client.get(list_url(robin))
    assert REASON_QUESTION in first.content
    assert b"Kai" not in first.content
    assert not StaffRead.objects.exists()

    open_record(staff_client, list_url(robin))

    reads = StaffRead.objects.all()
    assert {read.member_id for read in reads} == {robin.pk, kai.pk, noor.pk}
    assert all(read.parts == [RecordPart.MATCH] for read in reads)


def test_a_coordinator_reads_the_lists(crowd):
    client = client_for_staff(staff_in(COORDINATOR))

    assert client.get(LISTS).status_code == 200
    assert open_record(client, list_url(crowd["newcomers"][0])).status_code == 200
    index = client.get(reverse("admin:index")).content.decode()
    matching = index.split("Matching", 1)[1].split("</table>", 1)[0]
    assert ">Suggestion lists</a>" in matching


@pytest.mark.parametrize("role", [VETTING, REPORTING])
def test_staff_who_may_not_read_pairings_are_refused_the_lists(crowd, role):
    client = client_for_staff(staff_in(role))

    assert client.get(LISTS).status_code == 403
    response = client.get(list_url(crowd["newcomers"][0]))
    assert response.status_code == 403
    assert REASON_QUESTION not in response.content
    assert ">Suggestion lists</a>" not in client.get(reverse("admin:index")).content.decode()
    assert not StaffRead.objects.exists()


def test_no_one_adds_or_deletes_a_list_in_the_admin(staff_client, crowd):
    robin = crowd["newcomers"][0]

    assert staff_client.get(reverse("admin:matching_suggestionlist_add")).status_code == 403
    delete = reverse("admin:matching_suggestionlist_delete", args=[robin.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert SuggestionList.objects.filter(newcomer=robin).exists()


def test_staff_switch_the_ranking_in_matching_settings(staff_client):
    url = reverse("admin:matching_matchingsettings_change", args=[MatchingSettings.get_solo().pk])
    assert "Suggestion ranking" in staff_client.get(url).content.decode()

    response = staff_client.post(url, settings_form(suggestion_ranking=SuggestionRanking.PLAIN))

    assert response.status_code == 302
    assert MatchingSettings.get_solo().suggestion_ranking == SuggestionRanking.PLAIN


# --- Members never see a score or a price ----------------------------------------


def numbers_of(entries: list[dict]) -> set[str]:
    """Return each entry's score and price as staff see them (two digits)."""
    return {
        f"{entry[key]:.2f}" for entry in entries for key in ("score", "price") if entry[key] > 0
    }


def test_the_suggestions_page_shows_no_score_or_price(crowd, client):
    robin = crowd["newcomers"][0]
    entries = SuggestionList.objects.get(newcomer=robin).entries
    client.force_login(robin.user)

    page = client.get(reverse("matching:suggestions")).content.decode()

    assert "Kai" in page
    assert "price" not in page.lower()
    assert "score" not in page.lower()
    for number in numbers_of(entries):
        assert number not in page


def test_the_api_suggestions_have_no_score_or_price(crowd, client):
    robin = crowd["newcomers"][0]
    entries = SuggestionList.objects.get(newcomer=robin).entries
    client.force_login(robin.user)

    response = client.get(API_SUGGESTIONS)

    assert response.status_code == 200
    results = response.json()["results"]
    assert "Kai" in [row["mentor"]["name"] for row in results]
    for row in results:
        assert set(row) == {"mentor", "reasons"}
        assert not {"score", "price", "breakdown"} & set(row["mentor"])
    body = response.content.decode()
    for number in numbers_of(entries):
        assert number not in body
