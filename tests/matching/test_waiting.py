"""One definition of "waiting": every page, the batch run and the API count the same newcomers."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from matching import batch
from matching.models import MatchState
from matching.selectors import newcomers_waiting, newcomers_waiting_count, unmatched_queue
from members.models import Member
from tests.factories import ActiveMatchFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

TEN_DAYS_AGO = timezone.now() - datetime.timedelta(days=10)


@pytest.fixture
def people():
    """Eight newcomers waiting (one held), three of them long or out of choices,
    and five who are not waiting."""
    for name in ["New 1", "New 2", "New 3"]:
        NewcomerFactory(display_name=name)
    NewcomerFactory(display_name="Long 1", onboarded_at=TEN_DAYS_AGO)
    NewcomerFactory(display_name="Long 2", onboarded_at=TEN_DAYS_AGO)
    NewcomerFactory(display_name="Held", held_for_review=True)
    ActiveMatchFactory(newcomer=NewcomerFactory(display_name="Declined"), state=MatchState.DECLINED)
    ActiveMatchFactory(newcomer=NewcomerFactory(display_name="Ended"), state=MatchState.ENDED)
    # Not waiting.
    ActiveMatchFactory(
        newcomer=NewcomerFactory(display_name="Asked", onboarded_at=TEN_DAYS_AGO),
        state=MatchState.AWAITING_MENTOR,
    )
    ActiveMatchFactory(newcomer=NewcomerFactory(display_name="Matched"))
    NewcomerFactory(display_name="Onboarding", onboarded_at=None, onboarding_step=2)
    NewcomerFactory(display_name="Closed", user__is_active=False, onboarded_at=TEN_DAYS_AGO)
    NewcomerFactory(display_name="Deleted", deleted_at=timezone.now(), onboarded_at=TEN_DAYS_AGO)


def test_waiting_means_onboarded_open_account_and_no_open_request_or_match(people):
    assert sorted(newcomers_waiting().values_list("display_name", flat=True)) == [
        "Declined",
        "Ended",
        "Held",
        "Long 1",
        "Long 2",
        "New 1",
        "New 2",
        "New 3",
    ]
    assert newcomers_waiting_count().waiting == 8
    assert newcomers_waiting_count().held == 1


def test_the_unmatched_queue_is_a_subset_of_the_waiting(people):
    unmatched = set(unmatched_queue(7))
    assert {member.display_name for member in unmatched} == {"Long 1", "Long 2", "Declined"}
    assert unmatched <= set(newcomers_waiting())


def number_in(pattern: str, text: str) -> int:
    found = re.search(pattern, re.sub(r"\s+", " ", text))
    assert found, pattern
    return int(found.group(1))


def test_the_batch_page_the_queues_the_api_and_the_run_give_the_same_number(people, staff_client):
    run_page = staff_client.get(reverse("admin:matching_batchrun_run"))
    unmatched_page = staff_client.get(reverse("admin:matching_match_queue")).text
    queue_page = staff_client.get(reverse("programme:queue")).text
    api = staff_client.get(reverse("api:v1:staff-needs-attention") + "?reason=audit").json()
    run = batch.batch_run_preview(user=None)
    dashboard = staff_client.get(reverse("programme:dashboard"))
    reporting = staff_client.get(reverse("api:v1:staff-reporting")).json()

    assert run_page.context["newcomers_waiting"] == 8
    assert number_in(r"Newcomers waiting</th><td>(\d+)<", run_page.text) == 8
    sentence = "3 of the 8 newcomers waiting have waited more than 7 days or ran out of choices."
    assert sentence in re.sub(r"\s+", " ", unmatched_page)
    assert sentence in re.sub(r"\s+", " ", queue_page)
    assert "8 newcomers are waiting for a peer, 1 of them held for review" in queue_page
    assert (api["newcomers_waiting"], api["newcomers_held"]) == (8, 1)
    assert api["kinds"]["unmatched"] == 3
    assert run.summary["newcomers_considered"] == 8
    assert run.summary["newcomers_held"] == 1
    assert dashboard.context["numbers"]["waiting"]["count"] == 8
    assert reporting["waiting"]["count"] == 8


def test_a_newcomer_whose_request_ends_waits_again(people):
    asked = Member.objects.get(display_name="Asked")
    assert asked not in newcomers_waiting()
    asked.matches_as_newcomer.update(state=MatchState.EXPIRED)
    assert asked in newcomers_waiting()
    assert asked in unmatched_queue(7), "out of choices: on the unmatched queue at once"
