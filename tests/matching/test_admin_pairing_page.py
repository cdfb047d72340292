"""The pairing page as staff read it: names, not ids; scores in words with a rounded figure."""

import re

import pytest
from django.urls import reverse

from matching import batch, services
from matching.models import Match
from tests.audit_helpers import open_record
from tests.factories import MentorFactory, NewcomerFactory, OpenRequestFactory, tag

pytestmark = pytest.mark.django_db

MATCH_LIST = reverse("admin:matching_match_changelist")


def member_url(member) -> str:
    return reverse("admin:members_member_change", args=[member.pk])


def pairing_page(client, match) -> str:
    response = open_record(client, reverse("admin:matching_match_change", args=[match.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def request_with_choices():
    newcomer = NewcomerFactory(display_name="Robin", tags=[tag("pathway-12-step")])
    first = MentorFactory(display_name="Kai", tags=[tag("pathway-12-step")])
    second = MentorFactory(display_name="Noor")
    third = MentorFactory(display_name="Jude")
    match = services.match_request(
        newcomer=newcomer, mentor_ids=[first.pk, second.pk, third.pk], user=newcomer.user
    )
    return match, second, third


def test_the_newcomers_next_choices_show_as_names_linking_to_their_records(
    staff_client, request_with_choices
):
    match, second, third = request_with_choices
    assert match.next_choices == [second.pk, third.pk]

    page = pairing_page(staff_client, match)

    assert f'<a href="{member_url(second)}">Noor</a>' in page
    assert f'<a href="{member_url(third)}">Jude</a>' in page
    assert f"[{second.pk}, {third.pk}]" not in page
    assert page.index(">Noor</a>") < page.index(">Jude</a>")


def test_the_score_shows_in_words_rounded_with_a_bar_never_raw(staff_client):
    match = OpenRequestFactory(score=0.9314285516738892)

    page = pairing_page(staff_client, match)

    assert "Strong fit (0.93)" in page
    assert '<meter min="0" max="1"' in page and 'value="0.93"' in page
    assert "0.9314" not in page


@pytest.mark.parametrize(
    ("score", "words"),
    [(0.85, "Strong fit (0.85)"), (0.55, "Fair fit (0.55)"), (0.12, "Weak fit (0.12)")],
)
def test_the_pairing_list_says_how_good_each_fit_is(staff_client, score, words):
    OpenRequestFactory(score=score)

    assert words in staff_client.get(MATCH_LIST).content.decode()


def test_the_score_breakdown_is_rounded_to_two_digits_and_shares(staff_client, staff_user):
    NewcomerFactory(tags=[tag("pathway-12-step")])
    MentorFactory(tags=[tag("pathway-12-step")])
    run = batch.batch_run_preview(user=staff_user)
    batch.batch_run_apply(run_id=run.pk, user=staff_user)
    match = Match.objects.get(batch_run=run)

    page = pairing_page(staff_client, match)

    table = page[page.index('class="score-breakdown"') :]
    table = table[: table.index("</table>")]
    assert "<td>1.00</td><td>3.00</td>" in table  # pathway: full overlap, weight 3
    assert "<td>1.00</td><td>3.00</td><td>0.29 (37%)</td>" in table  # 3 of 10.5 weight
    assert re.findall(r"\d\.\d{3,}", table) == []  # no figure with more than two decimals
