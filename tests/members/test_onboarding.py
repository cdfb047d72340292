import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Language, Member, Role, Tag
from tests.clients import client_for
from tests.factories import MemberFactory, tag

pytestmark = pytest.mark.django_db


def step_url(step: str) -> str:
    return reverse("members:onboarding_step", args=[step])


@pytest.fixture
def fresh_newcomer():
    return MemberFactory(
        role=Role.NEWCOMER,
        display_name="Jo",
        onboarding_step=0,
        onboarded_at=None,
        time_zone="UTC",
        availability=[],
    )


@pytest.fixture
def fresh_mentor():
    return MemberFactory(
        role=Role.MENTOR,
        display_name="Max",
        onboarding_step=0,
        onboarded_at=None,
        time_zone="UTC",
        availability=[],
    )


def about(**overrides):
    data = {
        "display_name": "Jo",
        "pronouns": "they/them",
        "gender": "",
        "gender_self_description": "",
        "birth_year": "1988",
        "languages": ["en", "es"],
        "time_zone": "America/Chicago",
    }
    data.update(overrides)
    return data


def recovery(**overrides):
    data = {
        "recovery_goal": "reducing_harm",
        "recovery_start_date": "",
        "pathways": [tag("pathway-harm-reduction").pk, tag("pathway-smart").pk],
        "substances": [tag("substance-alcohol").pk],
    }
    data.update(overrides)
    return data


def experience(**overrides):
    data = {
        "life_situation": [tag("life_situation-parenting").pk],
        "community": [],
        "bio": "Two kids, new to this.",
        "preferred_mentor_genders": ["woman", "non_binary"],
    }
    data.update(overrides)
    return data


def sharing(**overrides):
    data = {
        "share_display_name": "on",
        "share_pathways": "on",
        "share_life_situation": "on",
        "share_languages": "on",
        "share_contact": "on",
        "contact_details": "Text me on Signal",
    }
    data.update(overrides)
    return data


def test_newcomer_completes_onboarding_and_sees_their_profile(fresh_newcomer):
    client = client_for(fresh_newcomer)
    assert client.get(reverse("members:onboarding")).url == step_url("about")

    assert client.post(step_url("about"), about()).url == step_url("recovery")
    assert client.post(step_url("recovery"), recovery()).url == step_url("experience")
    assert client.post(step_url("experience"), experience()).url == step_url("availability")
    response = client.post(
        step_url("availability"), {"availability": ["sat-morning", "mon-evening"]}
    )
    assert response.url == step_url("sharing")
    response = client.post(step_url("sharing"), sharing())
    # The optional recovery check is offered once, with "not now" a tap away.
    assert response.url == reverse("recovery:check") + "?first=1"

    member = Member.objects.get(pk=fresh_newcomer.pk)
    assert member.is_onboarded
    assert member.time_zone == "America/Chicago"
    assert member.recovery_goal == "reducing_harm"
    assert member.recovery_start_date is None
    assert sorted(language.code for language in member.languages.all()) == ["en", "es"]
    assert {t.name for t in member.tags.all()} == {
        "Harm reduction",
        "SMART Recovery",
        "Alcohol",
        "Parenting",
    }
    assert member.preferred_mentor_genders == ["woman", "non_binary"]
    assert member.availability == ["mon-evening", "sat-morning"]

    page = client.get(reverse("members:profile")).content.decode()
    assert "Parenting" in page and "Text me on Signal" in page and "Spanish" in page


def test_onboarding_keeps_progress_when_abandoned_halfway(fresh_newcomer):
    client = client_for(fresh_newcomer)
    client.post(step_url("about"), about())
    client.post(step_url("recovery"), recovery())
    client.logout()

    client = client_for(fresh_newcomer)
    response = client.get(reverse("home:me"), follow=True)
    assert response.redirect_chain[-1][0] == step_url("experience")
    member = Member.objects.get(pk=fresh_newcomer.pk)
    assert member.time_zone == "America/Chicago"
    assert member.tags.filter(category="pathway").count() == 2

    back = client.get(step_url("recovery"))
    assert set(back.context["form"].initial["pathways"]) == {
        tag("pathway-smart").pk,
        tag("pathway-harm-reduction").pk,
    }


def test_onboarding_steps_cannot_be_skipped(fresh_newcomer):
    client = client_for(fresh_newcomer)
    response = client.get(step_url("sharing"))
    assert response.url == step_url("about")


def test_mentor_must_give_a_recovery_start_date(fresh_mentor):
    client = client_for(fresh_mentor)
    client.post(step_url("about"), about())
    response = client.post(step_url("recovery"), recovery(recovery_goal="abstinence"))
    assert response.status_code == 200
    assert "recovery_start_date" in response.context["form"].errors
    assert Member.objects.get(pk=fresh_mentor.pk).onboarding_step == 1


def test_recovery_date_in_the_future_is_refused(fresh_newcomer):
    client = client_for(fresh_newcomer)
    client.post(step_url("about"), about())
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(step_url("recovery"), recovery(recovery_start_date=tomorrow.isoformat()))
    assert response.context["form"].errors["recovery_start_date"] == ["This date is in the future."]
    member = Member.objects.get(pk=fresh_newcomer.pk)
    assert member.recovery_start_date is None
    assert member.tags.count() == 0, "nothing from the refused step is half-saved"


def test_unknown_time_zone_is_refused_next_to_the_field(fresh_newcomer):
    client = client_for(fresh_newcomer)
    response = client.post(step_url("about"), about(time_zone="Mars/Olympus_Mons"))
    assert "time_zone" in response.context["form"].errors
    member = Member.objects.get(pk=fresh_newcomer.pk)
    assert member.time_zone == "UTC"
    assert member.languages.count() == 1, "languages were not changed by the refused step"


def test_under_age_birth_year_is_refused_in_the_profile(fresh_newcomer):
    client = client_for(fresh_newcomer)
    response = client.post(
        reverse("members:profile_edit", args=["about"]),
        about(birth_year=str(timezone.localdate().year - 16)),
    )
    assert "birth_year" in response.context["form"].errors


def test_at_least_one_language_is_needed(fresh_newcomer):
    client = client_for(fresh_newcomer)
    response = client.post(step_url("about"), about(languages=[]))
    assert response.context["form"].errors["languages"] == ["Choose at least one language."]


def test_tampered_language_code_is_refused(fresh_newcomer):
    client = client_for(fresh_newcomer)
    response = client.post(step_url("about"), about(languages=["en", "klingon"]))
    assert "languages" in response.context["form"].errors
    assert Language.objects.filter(code="klingon").count() == 0


def test_tag_from_the_wrong_category_is_refused(fresh_newcomer):
    client = client_for(fresh_newcomer)
    client.post(step_url("about"), about())
    response = client.post(step_url("recovery"), recovery(pathways=[tag("substance-opioids").pk]))
    assert "pathways" in response.context["form"].errors
    assert Member.objects.get(pk=fresh_newcomer.pk).tags.count() == 0


def test_inactive_tags_are_no_longer_offered(fresh_newcomer):
    retired = tag("pathway-secular")
    retired.is_active = False
    retired.save()
    client = client_for(fresh_newcomer)
    client.post(step_url("about"), about())
    page = client.get(step_url("recovery")).content.decode()
    assert "Secular" not in page
    assert "12-step" in page


@pytest.mark.parametrize("capacity", ["0", "11", "-1", "three"])
def test_mentor_capacity_outside_1_to_10_is_refused(fresh_mentor, capacity):
    fresh_mentor.onboarding_step = 3
    fresh_mentor.save()
    client = client_for(fresh_mentor)
    response = client.post(step_url("availability"), {"capacity": capacity, "availability": []})
    assert response.status_code == 200
    assert "capacity" in response.context["form"].errors
    assert Member.objects.get(pk=fresh_mentor.pk).capacity == 3


def test_unknown_availability_slot_is_refused(fresh_newcomer):
    fresh_newcomer.onboarding_step = 3
    fresh_newcomer.save()
    client = client_for(fresh_newcomer)
    response = client.post(step_url("availability"), {"availability": ["caturday-noon"]})
    assert "availability" in response.context["form"].errors


def test_newcomer_cannot_set_mentor_only_fields(fresh_newcomer):
    fresh_newcomer.onboarding_step = 3
    fresh_newcomer.save()
    client = client_for(fresh_newcomer)
    client.post(
        step_url("availability"),
        {"availability": ["mon-morning"], "capacity": "9", "is_paused": "on"},
    )
    member = Member.objects.get(pk=fresh_newcomer.pk)
    assert member.capacity == 3
    assert member.is_paused is False


def test_mentor_onboarding_records_harm_reduction_openness_and_capacity(fresh_mentor):
    client = client_for(fresh_mentor)
    client.post(step_url("about"), about())
    client.post(
        step_url("recovery"),
        recovery(
            recovery_goal="abstinence",
            recovery_start_date="2019-03-01",
            open_to_harm_reduction="on",
        ),
    )
    client.post(step_url("experience"), experience())
    client.post(step_url("availability"), {"availability": ["tue-evening"], "capacity": "4"})
    client.post(step_url("sharing"), sharing())
    member = Member.objects.get(pk=fresh_mentor.pk)
    assert member.is_onboarded
    assert member.open_to_harm_reduction
    assert member.capacity == 4
    assert member.recovery_start_date == datetime.date(2019, 3, 1)
    assert member.preferred_mentor_genders == []
    page = client.get(reverse("members:profile")).content.decode()
    assert "Our staff will review your profile" in page


def test_editing_one_profile_section_leaves_other_tags_alone(newcomer_client, newcomer):
    newcomer.tags.set([tag("pathway-12-step"), tag("life_situation-veteran")])
    response = newcomer_client.post(
        reverse("members:profile_edit", args=["recovery"]),
        recovery(pathways=[tag("pathway-faith").pk], substances=[]),
    )
    assert response.url == reverse("members:profile")
    assert {t.name for t in newcomer.tags.all()} == {"Faith-based", "Veteran"}


def test_unknown_profile_section_is_not_found(newcomer_client):
    assert newcomer_client.get("/profile/nonsense/").status_code == 404


def test_tags_are_seeded_in_every_category():
    for category in ["pathway", "substance", "life_situation", "community"]:
        assert Tag.objects.filter(category=category).count() >= 5
    for name in [
        "12-step",
        "SMART Recovery",
        "Medication-supported recovery",
        "Harm reduction",
        "Faith-based",
        "Secular",
        "Parenting",
        "Justice involvement",
        "Veteran",
        "LGBTQ+",
        "Chronic pain",
        "Grief",
        "Housing insecurity",
    ]:
        assert Tag.objects.filter(name=name).exists(), name


def test_about_step_asks_the_browser_for_the_time_zone_of_a_member_who_has_none(fresh_newcomer):
    response = client_for(fresh_newcomer).get(step_url("about"))
    select = re.search(r"<select[^>]*name=\"time_zone\"[^>]*>", response.text).group(0)
    assert "data-guess-time-zone" in select
    assert "js/timezone.js" in response.text


def test_profile_edit_keeps_a_time_zone_the_member_chose(fresh_newcomer):
    fresh_newcomer.time_zone = "Europe/Madrid"
    fresh_newcomer.save()
    response = client_for(fresh_newcomer).get(reverse("members:profile_edit", args=["about"]))
    select = re.search(r"<select[^>]*name=\"time_zone\"[^>]*>", response.text).group(0)
    assert "data-guess-time-zone" not in select
    assert '<option value="Europe/Madrid" selected>' in response.text


def test_sharing_step_says_what_each_box_reveals_and_leaves_the_email_unticked(newcomer_client):
    response = newcomer_client.get(reverse("members:profile_edit", args=["sharing"]))
    form = response.context["form"]
    page = response.content.decode()
    assert "Your sign-in email address" in page
    assert "shown only once a match is accepted" in form.fields["share_contact"].label
    assert "phone" in form.fields["share_contact"].label
    assert form["share_email"].value() is False


def test_sharing_contact_details_leaves_the_sign_in_email_private(newcomer_client, newcomer):
    newcomer_client.post(reverse("members:profile_edit", args=["sharing"]), sharing())
    newcomer.refresh_from_db()
    assert newcomer.share_contact and not newcomer.share_email
    preview = newcomer_client.get(reverse("members:profile")).content.decode()
    assert "Text me on Signal" in preview
    # The profile shows the member their own email once, in "About you", not as shared.
    assert preview.count(newcomer.user.email) == 1

    newcomer_client.post(
        reverse("members:profile_edit", args=["sharing"]), sharing(share_email="on")
    )
    newcomer.refresh_from_db()
    assert newcomer.share_email
    preview = newcomer_client.get(reverse("members:profile")).content.decode()
    assert preview.count(newcomer.user.email) == 2
