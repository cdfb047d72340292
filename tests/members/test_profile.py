import pytest
from django.urls import reverse

from matching.models import MatchState
from members.models import Language, Member
from members.visibility import matched_peer_preview, peer_view
from tests.factories import (
    ActiveMatchFactory,
    MemberFactory,
    MentorFactory,
    NewcomerFactory,
    tag,
)

pytestmark = pytest.mark.django_db


def test_sharing_defaults_are_name_pathways_life_situation_and_languages():
    member = NewcomerFactory(
        display_name="Kit",
        pronouns="she/her",
        bio="Private story",
        contact_details="555-0100",
        tags=[
            tag("pathway-12-step"),
            tag("substance-opioids"),
            tag("life_situation-parenting"),
            tag("community-lgbtq"),
        ],
    )
    assert peer_view(member, viewer=MentorFactory(), match=None).rows() == [("Name", "A peer")]
    assert matched_peer_preview(member).rows() == [
        ("Name", "Kit"),
        ("Pathways", "12-step"),
        ("Life situation", "Parenting"),
        ("Languages", "English"),
        ("Contact (only after a match is accepted)", "555-0100"),
    ]


def test_contact_details_appear_only_after_a_match_is_accepted():
    match = ActiveMatchFactory(
        newcomer=NewcomerFactory(contact_details="Signal: kit"), state=MatchState.AWAITING_MENTOR
    )
    assert not peer_view(match.newcomer, viewer=match.mentor, match=match).contact_details
    match.state = MatchState.ACTIVE
    view = peer_view(match.newcomer, viewer=match.mentor, match=match)
    assert view.contact_details == "Signal: kit"
    assert not view.email, "the sign-in email has its own box"


def test_contact_stays_private_when_not_shared_even_after_acceptance():
    member = NewcomerFactory(contact_details="Signal: kit", share_contact=False)
    assert not matched_peer_preview(member).contact_details


def test_turning_off_a_category_hides_it_at_once():
    member = NewcomerFactory(tags=[tag("pathway-12-step")])
    member.share_pathways = False
    member.share_display_name = False
    member.save()
    shared = matched_peer_preview(Member.objects.get(pk=member.pk))
    assert shared.pathways == []
    assert shared.display_name == "A peer"


def test_profile_page_runs_a_fixed_number_of_queries(
    newcomer_client, newcomer, django_assert_max_num_queries
):
    newcomer.tags.set(
        [
            tag("pathway-12-step"),
            tag("life_situation-grief"),
            tag("substance-alcohol"),
            tag("community-rural"),
        ]
    )
    newcomer_client.get(reverse("members:profile"))  # the first request records "last active"
    with django_assert_max_num_queries(8):  # 7, and the navigation's unread messages
        response = newcomer_client.get(reverse("members:profile"))
    assert response.status_code == 200
    assert "Grief" in response.content.decode()


def test_profile_page_names_each_peer_without_reading_their_tags(
    newcomer_client, newcomer, django_assert_num_queries
):
    newcomer.tags.set([tag("life_situation-grief")])
    mentor = MentorFactory(display_name="Casey", tags=[tag("pathway-12-step")])
    mentor.languages.set(Language.objects.filter(code="es"))
    ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    newcomer_client.get(reverse("members:profile"))  # the first request records "last active"
    # The user with the member, their languages and tags, the match with the mentor,
    # the sharing history, and the navigation's unread messages.
    with django_assert_num_queries(6):
        response = newcomer_client.get(reverse("members:profile"))
    page = response.content.decode()
    assert "Casey sees you as" in page and "Grief" in page
    # What the page shows of the mentor is their name; their own details are on My match.
    assert "12-step" not in page and "Spanish" not in page


def test_profile_pages_are_not_cached(newcomer_client):
    response = newcomer_client.get(reverse("members:profile"))
    assert "no-store" in response["Cache-Control"]


def test_profile_shows_only_the_signed_in_members_data(newcomer_client):
    other = MemberFactory(display_name="Zed Private", bio="zed's story")
    page = newcomer_client.get(reverse("members:profile")).content.decode()
    assert "Zed Private" not in page
    assert other.user.email not in page


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("members:profile"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_last_active_is_recorded_when_a_member_uses_the_site(newcomer_client, newcomer):
    assert newcomer.last_active_at is None
    newcomer_client.get(reverse("members:profile"))
    newcomer.refresh_from_db()
    assert newcomer.last_active_at is not None


def test_a_member_turns_message_emails_off_and_sees_the_choice_on_the_profile(
    newcomer_client, newcomer
):
    page = newcomer_client.get(reverse("members:profile")).content.decode()
    assert "Email me when my peer writes" in page and "On" in page.split("Email me when")[1][:80]

    form = newcomer_client.get(reverse("members:profile_edit", args=["availability"]))
    assert 'name="message_emails"' in form.content.decode()
    response = newcomer_client.post(
        reverse("members:profile_edit", args=["availability"]),
        {"availability": ["mon-evening"]},  # the box left unticked
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.message_emails is False
    page = newcomer_client.get(reverse("members:profile")).content.decode()
    assert "Off" in page.split("Email me when my peer writes")[1][:80]

    newcomer_client.post(
        reverse("members:profile_edit", args=["availability"]),
        {"availability": ["mon-evening"], "message_emails": "on"},
    )
    newcomer.refresh_from_db()
    assert newcomer.message_emails is True
