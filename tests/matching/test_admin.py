import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from matching import batch, services
from matching.models import (
    OPEN_STATES,
    BatchRun,
    Block,
    Match,
    MatchingSettings,
    MatchOrigin,
    MatchState,
)
from members.models import Language, VettingStatus
from tests.audit_helpers import open_record
from tests.factories import (
    ActiveMatchFactory,
    MentorFactory,
    NewcomerFactory,
    OpenRequestFactory,
    tag,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

MATCH_LIST = reverse("admin:matching_match_changelist")
QUEUE = reverse("admin:matching_match_queue")
RUN = reverse("admin:matching_batchrun_run")


def settings_url() -> str:
    return reverse("admin:matching_matchingsettings_change", args=[MatchingSettings.get_solo().pk])


def settings_form(**changes) -> dict:
    data = {
        "weight_pathway": "3",
        "weight_age": "2",
        "weight_life_situation": "2",
        "weight_availability": "1",
        "weight_steps_ahead": "2",
        "weight_substance": "0.5",
        "min_gap_months": "12",
        "sweet_spot_max_months": "120",
        "taper_months": "120",
        "age_scale_years": "25",
        "request_expiry_hours": "72",
        "suggestion_count": "5",
        "unmatched_queue_days": "7",
    }
    data.update(changes)
    return data


def require_staff_approval():
    programme = MatchingSettings.get_solo()
    programme.require_staff_approval = True
    programme.save()


def proposed_by_a_run(staff_user) -> Match:
    """Run matching and apply it: return the one pairing it proposed."""
    run = batch.batch_run_preview(user=staff_user)
    batch.batch_run_apply(run_id=run.pk, user=staff_user)
    return Match.objects.get(batch_run=run)


def request(newcomer=None, mentor=None) -> Match:
    """Return a newcomer's own request (it waits for staff when approval is required)."""
    newcomer = newcomer or NewcomerFactory()
    mentor = mentor or MentorFactory()
    return services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=newcomer.user)


def open_match(newcomer) -> Match:
    return Match.objects.get(newcomer=newcomer, state__in=OPEN_STATES)


def page(response) -> str:
    return response.content.decode()


# --- Settings -----------------------------------------------------------------------


def test_settings_list_opens_the_single_settings_row(staff_client):
    response = staff_client.get(reverse("admin:matching_matchingsettings_changelist"))
    assert response.status_code == 302
    assert response.url == settings_url()
    response = staff_client.get(settings_url())
    assert "Weights are relative" in page(response)
    assert staff_client.get(reverse("admin:matching_matchingsettings_add")).status_code == 403
    assert MatchingSettings.objects.count() == 1


def test_saving_settings_records_the_new_weight_and_who_changed_it(staff_client, staff_user):
    response = staff_client.post(settings_url(), settings_form(weight_age="4.5"))

    assert response.status_code == 302
    programme = MatchingSettings.get_solo()
    assert programme.weight_age == 4.5
    assert programme.updated_by == staff_user


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "greater than or equal to 0"),
        ("lots", "Enter a number."),
        ("inf", "Enter a number."),
    ],
)
def test_settings_refuse_a_weight_that_is_negative_or_not_a_number(staff_client, value, message):
    response = staff_client.post(settings_url(), settings_form(weight_pathway=value))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["weight_pathway"]
    assert message in errors["weight_pathway"][0]
    programme = MatchingSettings.get_solo()
    assert programme.weight_pathway == 3.0
    assert programme.updated_by is None


def test_settings_refuse_all_weights_at_zero(staff_client):
    zeros = {name: "0" for name in settings_form() if name.startswith("weight_")}
    response = staff_client.post(settings_url(), settings_form(**zeros))

    assert response.status_code == 200
    assert "At least one weight must be above zero." in page(response)
    assert MatchingSettings.get_solo().weight_pathway == 3.0


# --- Match list and detail ----------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?q=Sam", "?score_range=high", "?state__exact=active"])
def test_match_list_runs_a_fixed_number_of_queries(staff_client, query):
    OpenRequestFactory.create_batch(3)
    few = count_queries(staff_client, MATCH_LIST + query)
    OpenRequestFactory.create_batch(17)
    many = count_queries(staff_client, MATCH_LIST + query)
    assert few == many
    assert many <= 12


def test_match_list_shows_names_state_and_score_with_two_decimals(staff_client):
    OpenRequestFactory(
        newcomer=NewcomerFactory(display_name="Robin"),
        mentor=MentorFactory(display_name="Kai"),
        score=0.73456,
    )

    response = staff_client.get(MATCH_LIST)

    content = page(response)
    assert "Robin" in content and "Kai" in content
    assert "0.73" in content
    assert "Waiting for the mentor" in content


def test_match_list_filters_by_score_range(staff_client):
    low, high = OpenRequestFactory(score=0.2), OpenRequestFactory(score=0.85)

    def listed(query):
        response = staff_client.get(MATCH_LIST + query)
        return {match.pk for match in response.context["cl"].result_list}

    assert listed("?score_range=low") == {low.pk}
    assert listed("?score_range=high") == {high.pk}
    assert listed("?score_range=medium") == set()


def test_match_detail_shows_every_score_component_with_its_weight(staff_client, staff_user):
    NewcomerFactory(tags=[tag("pathway-12-step")])
    MentorFactory(tags=[tag("pathway-12-step")])
    match = proposed_by_a_run(staff_user)

    response = open_record(staff_client, reverse("admin:matching_match_change", args=[match.pk]))

    content = page(response)
    assert response.status_code == 200
    for label in (
        "Recovery pathway overlap",
        "Closeness in age",
        "Shared life-situation tags",
        "Overlapping free time",
        "Steps-ahead sweet spot",
        "Shared substance tags",
    ):
        assert label in content
    assert "<td>1.00</td><td>3.00</td>" in content  # pathway: full overlap, weight 3
    assert "You both follow a 12-step pathway" in content
    assert "Reassign to another mentor" in content
    assert 'name="_save"' not in content  # read-only: changes go through the services


# --- Actions -----------------------------------------------------------------------


def test_staff_approve_selected_pairings_and_see_what_could_not_be(staff_client, staff_user):
    require_staff_approval()
    pending = request()
    assert pending.state == MatchState.PENDING_APPROVAL
    active = ActiveMatchFactory()

    response = staff_client.post(
        MATCH_LIST,
        {"action": "approve_pairings", "_selected_action": [pending.pk, active.pk]},
        follow=True,
    )

    content = page(response)
    assert "1 pairing(s) approved." in content
    assert "can&#x27;t be approved: it is active." in content
    pending.refresh_from_db()
    assert pending.state == MatchState.AWAITING_MENTOR
    assert pending.approved_by == staff_user
    assert pending.expires_at is not None
    active.refresh_from_db()
    assert active.state == MatchState.ACTIVE


def test_staff_reject_selected_pairings(staff_client, staff_user):
    require_staff_approval()
    pending = request()

    response = staff_client.post(
        MATCH_LIST,
        {"action": "reject_pairings", "_selected_action": [pending.pk]},
        follow=True,
    )

    assert "1 pairing(s) rejected." in page(response)
    pending.refresh_from_db()
    assert pending.state == MatchState.REJECTED
    assert pending.approved_by == staff_user
    assert not Match.objects.filter(state__in=OPEN_STATES).exists()


# --- Reassign ----------------------------------------------------------------------


def reassign_url(match) -> str:
    return reverse("admin:matching_match_reassign", args=[match.pk])


def test_reassign_offers_only_approved_mentors(staff_client):
    match = OpenRequestFactory(mentor=MentorFactory(display_name="Current"))
    MentorFactory(display_name="Vetted")
    MentorFactory(display_name="Unvetted", vetting_status=VettingStatus.PENDING)

    response = staff_client.get(reassign_url(match))

    names = {mentor.display_name for mentor in response.context["form"].fields["mentor"].queryset}
    assert names == {"Vetted"}


def test_reassign_to_a_mentor_with_no_shared_language_is_refused(staff_client):
    match = OpenRequestFactory()
    spanish_only = MentorFactory(languages=[Language.objects.get(code="es")])

    response = staff_client.post(reassign_url(match), {"mentor": spanish_only.pk})

    assert response.status_code == 200
    assert response.context["form"].errors["mentor"] == ["No language in common."]
    assert Match.objects.get() == match
    match.refresh_from_db()
    assert match.state == MatchState.AWAITING_MENTOR


def test_reassign_to_a_mentor_at_capacity_is_refused(staff_client):
    match = OpenRequestFactory()
    full = MentorFactory(capacity=1)
    OpenRequestFactory(mentor=full)

    response = staff_client.post(reassign_url(match), {"mentor": full.pk})

    assert response.status_code == 200
    assert "no room for another newcomer" in response.context["form"].errors["mentor"][0]
    assert open_match(match.newcomer) == match


def test_reassign_to_a_compatible_mentor_moves_the_request(staff_client, staff_user):
    match = OpenRequestFactory()
    better = MentorFactory()

    response = staff_client.post(reassign_url(match), {"mentor": better.pk})

    moved = open_match(match.newcomer)
    assert response.status_code == 302
    assert response.url == reverse("admin:matching_match_change", args=[moved.pk])
    assert moved.mentor == better
    assert moved.origin == MatchOrigin.STAFF
    assert moved.created_by == staff_user
    match.refresh_from_db()
    assert match.state == MatchState.REJECTED


# --- Batch runs --------------------------------------------------------------------


# Running, confirming and applying a run: tests/matching/test_batch_admin.py.


def test_preview_lists_at_most_200_pairs_and_says_so(staff_client, staff_user):
    mentor, newcomer = MentorFactory(), NewcomerFactory()
    breakdown = {"pathway": 0.5}
    run = BatchRun.objects.create(
        created_by=staff_user,
        pairs=[[newcomer.pk, mentor.pk, 0.5, breakdown]] * 250,
        summary={"proposed_pairs": 250},
    )

    response = staff_client.get(reverse("admin:matching_batchrun_preview", args=[run.pk]))

    assert response.status_code == 200
    assert len(response.context["rows"]) == 200
    assert "Showing the 200 best-scoring of 250 proposed pairs." in page(response)


def test_batch_run_list_shows_share_and_mean_score(staff_client, staff_user):
    BatchRun.objects.create(
        created_by=staff_user,
        summary={"proposed_pairs": 7, "matched_share": 0.7, "mean_score": 0.6123},
    )

    content = page(staff_client.get(reverse("admin:matching_batchrun_changelist")))

    assert "70%" in content
    assert "0.61" in content


def test_members_cannot_run_matching(newcomer_client):
    response = newcomer_client.post(RUN)
    assert response.status_code == 302
    assert "/admin/login/" in response.url
    assert not BatchRun.objects.exists()


# --- Unmatched queue ----------------------------------------------------------------


def test_unmatched_queue_lists_newcomers_waiting_without_an_open_request(staff_client):
    ten_days_ago = timezone.now() - datetime.timedelta(days=10)
    waiting = NewcomerFactory(display_name="Waiting", onboarded_at=ten_days_ago)
    asked = NewcomerFactory(display_name="Asked", onboarded_at=ten_days_ago)
    OpenRequestFactory(newcomer=asked)
    NewcomerFactory(display_name="Brandnew")

    response = staff_client.get(QUEUE)

    content = page(response)
    assert response.status_code == 200
    assert [row["member"] for row in response.context["rows"]] == [waiting]
    assert reverse("admin:members_member_change", args=[waiting.pk]) in content
    assert "Asked" not in content
    assert "Brandnew" not in content


def test_unmatched_queue_shows_how_the_last_pairing_ended(staff_client):
    ten_days_ago = timezone.now() - datetime.timedelta(days=10)
    newcomer = NewcomerFactory(onboarded_at=ten_days_ago)
    match = OpenRequestFactory(newcomer=newcomer, mentor=MentorFactory(display_name="Kai"))
    Match.objects.filter(pk=match.pk).update(state=MatchState.DECLINED, decided_at=ten_days_ago)

    response = staff_client.get(QUEUE)

    assert response.context["rows"][0]["last_match"] == "Declined by the mentor"
    assert "Declined by the mentor (with Kai)" in page(response)


def test_match_list_links_to_the_queue_and_to_batch_matching(staff_client):
    content = page(staff_client.get(MATCH_LIST))
    assert QUEUE in content
    assert RUN in content


# --- Blocks ------------------------------------------------------------------------


def test_block_list_shows_who_blocked_whom(staff_client):
    Block.objects.create(
        blocker=NewcomerFactory(display_name="Robin"), blocked=MentorFactory(display_name="Kai")
    )

    response = staff_client.get(reverse("admin:matching_block_changelist"))

    content = page(response)
    assert "Robin" in content and "Kai" in content
