import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matching.selectors import mentor_pool
from members.models import AVAILABILITY_SLOTS, Member, Role, TagCategory, User, VettingStatus

DEMO_DOMAIN = "@demo.peerlink.test"


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def printed_login(output: str, label: str) -> tuple[str, str]:
    match = re.search(rf"{label}:\s+(\S+@\S+) / (\S+)", output)
    assert match, f"No {label} login in:\n{output}"
    return match.group(1), match.group(2)


def signs_in(email: str, password: str) -> bool:
    """Sign in through the sign-in page, as a person would."""
    client = Client()
    client.post(reverse("account_login"), {"login": email, "password": password})
    return client.session.get("_auth_user_id") == str(User.objects.get(email=email).pk)


def demo_members():
    return Member.objects.filter(user__email__endswith=DEMO_DOMAIN)


def snapshot() -> list[tuple]:
    """Everything about the seeded people that does not depend on the clock."""
    members = demo_members().select_related("user").prefetch_related("tags", "languages")
    return sorted(
        (
            member.user.email,
            member.role,
            member.display_name,
            member.pronouns,
            member.gender,
            member.birth_year,
            member.time_zone,
            tuple(member.availability),
            member.recovery_goal,
            member.recovery_start_date,
            member.capacity,
            member.open_to_harm_reduction,
            member.vetting_status,
            member.bio,
            tuple(sorted(tag.slug for tag in member.tags.all())),
            tuple(sorted(language.code for language in member.languages.all())),
        )
        for member in members
    )


@pytest.mark.django_db
def test_seed_demo_creates_requested_numbers_of_people():
    output = seed(newcomers=7, mentors=4)

    assert demo_members().filter(role=Role.NEWCOMER).count() == 7
    assert demo_members().filter(role=Role.MENTOR).count() == 4
    assert User.objects.filter(email__endswith=DEMO_DOMAIN, is_staff=False).count() == 11
    assert "Created 11 people (7 newcomers, 4 mentors); 0 already present." in output
    assert "11/11 people" in output


@pytest.mark.django_db
def test_running_seed_demo_twice_does_not_duplicate_people():
    seed(newcomers=5, mentors=3)
    output = seed(newcomers=5, mentors=3)

    assert demo_members().count() == 8
    assert User.objects.filter(email__endswith=DEMO_DOMAIN).count() == 8 + 1  # and staff
    assert EmailAddress.objects.filter(email__endswith=DEMO_DOMAIN).count() == 8 + 1
    assert "Created 0 people (0 newcomers, 0 mentors); 8 already present." in output


@pytest.mark.django_db
def test_asking_for_more_people_later_adds_only_the_missing_ones():
    seed(newcomers=3, mentors=2)
    before = snapshot()

    output = seed(newcomers=5, mentors=2)

    assert demo_members().filter(role=Role.NEWCOMER).count() == 5
    assert demo_members().filter(role=Role.MENTOR).count() == 2
    assert "Created 2 people (2 newcomers, 0 mentors); 5 already present." in output
    assert set(before) <= set(snapshot())


@pytest.mark.django_db
def test_seed_demo_prints_staff_login_that_works():
    email, password = printed_login(seed(newcomers=1, mentors=1), "Staff")

    staff = User.objects.get(email=email)
    assert staff.is_staff and staff.is_superuser and staff.is_active
    assert signs_in(email, password)


@pytest.mark.django_db
def test_staff_login_is_restored_when_seed_demo_runs_again():
    email, _ = printed_login(seed(newcomers=0, mentors=0), "Staff")
    staff = User.objects.get(email=email)
    staff.set_password("something-else-entirely")
    staff.is_superuser = False
    staff.save()

    _, password = printed_login(seed(newcomers=0, mentors=0), "Staff")

    staff.refresh_from_db()
    assert staff.is_superuser
    assert staff.check_password(password)
    assert User.objects.filter(email=email).count() == 1


@pytest.mark.django_db
def test_demo_passwords_are_generated_afresh_not_fixed():
    first = seed(newcomers=1, mentors=1)
    second = seed(newcomers=1, mentors=1)

    for label in ("Staff", "Newcomer", "Mentor"):
        _, before = printed_login(first, label)
        _, after = printed_login(second, label)
        assert before != after
        assert before not in ("peerlink-demo", "peerlink-staff")
        assert len(before) >= 12
    assert printed_login(second, "Staff")[1] != printed_login(second, "Newcomer")[1]


@pytest.mark.django_db
def test_demo_passwords_can_be_given():
    output = seed(
        newcomers=1,
        mentors=1,
        staff_password="staff-pass-phrase-1",
        password="member-pass-phrase-2",
    )

    assert printed_login(output, "Staff")[1] == "staff-pass-phrase-1"
    email, password = printed_login(output, "Mentor")
    assert password == "member-pass-phrase-2"
    assert signs_in(email, password)


@pytest.mark.django_db
def test_seed_demo_prints_newcomer_and_mentor_logins_that_work():
    output = seed(newcomers=3, mentors=3)

    for label, role in (("Newcomer", Role.NEWCOMER), ("Mentor", Role.MENTOR)):
        email, password = printed_login(output, label)
        assert Member.objects.get(user__email=email).role == role
        assert signs_in(email, password)


@pytest.mark.django_db
def test_demo_mentor_login_is_an_approved_mentor():
    email, _ = printed_login(seed(newcomers=1, mentors=5), "Mentor")

    mentor = Member.objects.get(user__email=email)
    assert mentor.vetting_status == VettingStatus.APPROVED
    assert mentor_pool().filter(pk=mentor.pk).exists()


@pytest.mark.django_db
def test_demo_newcomer_can_sign_in_through_the_login_page_without_verifying_email():
    email, password = printed_login(seed(newcomers=1, mentors=1), "Newcomer")
    client = Client()

    response = client.post(reverse("account_login"), {"login": email, "password": password})

    assert response.status_code == 302
    assert response.url != reverse("account_email_verification_sent")
    assert client.session.get("_auth_user_id") == str(User.objects.get(email=email).pk)


@pytest.mark.django_db
def test_seeded_people_have_a_verified_primary_email_address():
    seed(newcomers=4, mentors=2)

    for user in User.objects.filter(email__endswith=DEMO_DOMAIN):
        address = EmailAddress.objects.get(user=user)
        assert address.email == user.email
        assert address.verified and address.primary


@pytest.mark.django_db
def test_seeded_mentors_started_recovery_in_the_past_and_have_capacity_1_to_5():
    seed(newcomers=0, mentors=40)
    today = timezone.localdate()

    mentors = demo_members().filter(role=Role.MENTOR)
    assert mentors.count() == 40
    for mentor in mentors:
        assert mentor.recovery_start_date is not None
        assert mentor.recovery_start_date <= today
        years_ago = (today - mentor.recovery_start_date).days / 365.25
        assert 0.99 <= years_ago <= 20
        assert 1 <= mentor.capacity <= 5


@pytest.mark.django_db
def test_seeded_newcomers_started_recovery_within_18_months_or_left_it_empty():
    seed(newcomers=60, mentors=0)
    today = timezone.localdate()

    dates = [member.recovery_start_date for member in demo_members()]
    assert any(date is None for date in dates)
    assert any(date is not None for date in dates)
    for date in dates:
        if date is not None:
            assert 0 <= (today - date).days <= 550


@pytest.mark.django_db
def test_most_seeded_mentors_are_approved_and_approval_is_recorded():
    seed(newcomers=0, mentors=40)

    mentors = list(demo_members().filter(role=Role.MENTOR))
    approved = [m for m in mentors if m.vetting_status == VettingStatus.APPROVED]
    pending = [m for m in mentors if m.vetting_status == VettingStatus.PENDING]
    assert len(approved) > len(mentors) / 2
    assert pending
    assert len(approved) + len(pending) == len(mentors)
    assert all(m.vetted_at is not None and m.vetted_by is not None for m in approved)
    assert all(m.vetted_at is None for m in pending)
    assert any(m.open_to_harm_reduction for m in mentors)
    assert not all(m.open_to_harm_reduction for m in mentors)


@pytest.mark.django_db
def test_seeded_members_are_adults():
    seed(newcomers=40, mentors=20)
    this_year = timezone.localdate().year

    for member in demo_members():
        assert member.age_in(this_year) >= settings.PEERLINK_MINIMUM_AGE
        assert member.age_in(this_year) <= 70


@pytest.mark.django_db
def test_seeded_members_have_tags_in_several_categories():
    seed(newcomers=30, mentors=10)

    members = list(demo_members().prefetch_related("tags"))
    categories_seen = {tag.category for member in members for tag in member.tags.all()}
    assert categories_seen == set(TagCategory.values)
    for member in members:
        assert 1 <= len(member.tags_in(TagCategory.PATHWAY)) <= 3
        assert len(member.tags_in(TagCategory.SUBSTANCE)) <= 2
        assert len(member.tags_in(TagCategory.LIFE_SITUATION)) <= 3
        assert len(member.tags_in(TagCategory.COMMUNITY)) <= 1
    several = [m for m in members if len({tag.category for tag in m.tags.all()}) >= 2]
    assert len(several) > len(members) / 2


@pytest.mark.django_db
def test_seeded_members_are_onboarded_and_pass_model_validation():
    seed(newcomers=20, mentors=10)
    slots = {code for code, _ in AVAILABILITY_SLOTS}

    members = list(demo_members().prefetch_related("languages"))
    for member in members:
        member.full_clean()
        assert member.onboarding_step == 5
        assert member.onboarded_at is not None
        assert member.languages.all()
        assert member.availability and set(member.availability) <= slots
    assert any(member.recovery_goal == "reducing_harm" for member in members)
    assert len({member.time_zone for member in members}) > 3


@pytest.mark.django_db
def test_same_seed_gives_same_people():
    seed(newcomers=12, mentors=6, seed=7)
    first = snapshot()
    User.objects.filter(email__endswith=DEMO_DOMAIN, is_staff=False).delete()

    seed(newcomers=12, mentors=6, seed=7)
    again = snapshot()
    User.objects.filter(email__endswith=DEMO_DOMAIN, is_staff=False).delete()

    seed(newcomers=12, mentors=6, seed=8)
    other = snapshot()

    assert len(first) == 18
    assert again == first
    assert other != first


@pytest.mark.django_db
def test_seed_demo_refuses_negative_numbers():
    with pytest.raises(CommandError):
        seed(newcomers=-1, mentors=2)
    assert not demo_members().exists()


def test_each_demo_members_record_dates_from_their_sign_up(db):
    call_command("seed_demo", "--newcomers", "6", "--mentors", "3", stdout=io.StringIO())
    members = Member.objects.select_related("user").exclude(user__is_staff=True)
    assert members.count() == 9
    assert all(member.created_at == member.user.date_joined for member in members)
    assert len({member.created_at.date() for member in members}) > 1, "spread over days"
