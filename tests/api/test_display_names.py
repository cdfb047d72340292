"""Display names and mentor training notes: one rule for the pages' forms and the API.

A display name has no invisible or text-direction characters and does not pass for
staff; a mentor's training note is a line or two, not a book."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from members.models import Member
from members.validators import validate_display_name
from tests.members.test_onboarding import about
from tests.members.test_signup import signup_data

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
HIDDEN = "invisible or text-direction characters"
STAFF_LIKE = "speak for PeerLink or its staff"

REFUSED = [
    ("Ali\u202ece", HIDDEN),  # right-to-left override: shows as "Alcei"-like reversed text
    ("Bob\u2066x\u2069", HIDDEN),  # isolates
    ("Jo\u200b", HIDDEN),  # zero-width space
    ("Sam\u200fi", HIDDEN),  # right-to-left mark
    ("Staff Team (official)", STAFF_LIKE),
    ("PeerLink Support", STAFF_LIKE),
    ("peer-link team", STAFF_LIKE),
    ("ＡＤＭＩＮ", STAFF_LIKE),  # full-width letters
    ("Moderators", STAFF_LIKE),
    ("the admin", STAFF_LIKE),
]
ACCEPTED = ["Alice", "Stafford", "José María", "Badminton Bea", "محمد", "李雷", "Ann-Marie O’Neil"]


@pytest.mark.parametrize(("name", "message"), REFUSED)
def test_the_api_refuses_a_hidden_or_staff_like_display_name(
    newcomer_client, newcomer, name, message
):
    response = newcomer_client.patch(ME, {"display_name": name}, content_type="application/json")
    assert response.status_code == 400
    [error] = response.json()["error"]["fields"]["display_name"]
    assert message in error
    newcomer.refresh_from_db()
    assert newcomer.display_name == "Alice"


@pytest.mark.parametrize("name", ACCEPTED)
def test_ordinary_names_in_any_script_are_accepted(newcomer_client, newcomer, name):
    response = newcomer_client.patch(ME, {"display_name": name}, content_type="application/json")
    assert response.status_code == 200, response.content
    newcomer.refresh_from_db()
    assert newcomer.display_name == name


def test_the_profile_page_refuses_them_with_the_same_message(newcomer_client, newcomer):
    response = newcomer_client.post(
        reverse("members:profile_edit", args=["about"]),
        about(display_name="Staff Team (official)"),
    )
    assert response.status_code == 200
    assert STAFF_LIKE in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.display_name == "Alice"


def test_sign_up_refuses_them_and_creates_no_account(client):
    response = client.post(
        reverse("account_signup"), signup_data(display_name="Ev\u202eil", email="ev@example.org")
    )
    assert response.status_code == 200
    assert HIDDEN in response.content.decode()
    assert not Member.objects.exists()


@hypothesis_settings(max_examples=30, deadline=None)
@given(
    st.text(min_size=1, max_size=10),
    st.sampled_from(["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u200b", "\u00ad"]),
    st.integers(min_value=0, max_value=10),
)
def test_a_format_character_anywhere_in_a_name_is_refused(name, hidden, at):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_display_name(name[:at] + hidden + name[at:])


def test_a_training_note_is_capped_with_a_field_error(mentor_client, mentor):
    response = mentor_client.patch(
        ME, {"training_note": "x" * 100_000}, content_type="application/json"
    )
    assert response.status_code == 400
    [error] = response.json()["error"]["fields"]["training_note"]
    assert "under 1,000 characters" in error
    mentor.refresh_from_db()
    assert len(mentor.training_note) < 1000
    ok = mentor_client.patch(ME, {"training_note": "CCAR trained"}, content_type="application/json")
    assert ok.status_code == 200
