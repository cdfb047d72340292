import datetime

import factory
from django.utils import timezone

from matching.models import Match, MatchOrigin, MatchState
from members.models import Language, Member, Role, Tag, User, VettingStatus


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.django.Password("correct horse battery")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = Role.NEWCOMER
    display_name = factory.Sequence(lambda n: f"Sam {n}")
    birth_year = 1990
    time_zone = "America/New_York"
    availability = ["mon-evening", "wed-evening"]
    onboarding_step = 5
    onboarded_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        if create:
            self.languages.set(extracted or [Language.objects.get(code="en")])

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class NewcomerFactory(MemberFactory):
    role = Role.NEWCOMER


class MentorFactory(MemberFactory):
    role = Role.MENTOR
    recovery_start_date = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=3 * 365)
    )
    vetting_status = VettingStatus.APPROVED
    capacity = 3
    open_to_harm_reduction = True


class _StaffPairingFactory(factory.django.DjangoModelFactory):
    """A pairing staff made between a new newcomer and a new mentor."""

    class Meta:
        model = Match

    newcomer = factory.SubFactory(NewcomerFactory)
    mentor = factory.SubFactory(MentorFactory)
    origin = MatchOrigin.STAFF
    score = 0.5


class ActiveMatchFactory(_StaffPairingFactory):
    """A match both sides accepted eight days ago: its first check-in is due."""

    state = MatchState.ACTIVE
    sent_to_mentor_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=8))
    decided_at = factory.SelfAttribute("sent_to_mentor_at")


class OpenRequestFactory(_StaffPairingFactory):
    """A pairing staff made that waits for the mentor's answer, as the admin lists it."""

    state = MatchState.AWAITING_MENTOR
    sent_to_mentor_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(
        lambda match: match.sent_to_mentor_at + datetime.timedelta(hours=72)
    )


def tag(slug_part: str) -> Tag:
    """Return a seeded tag by (part of) its slug, e.g. tag('pathway-12-step')."""
    return Tag.objects.get(slug__startswith=slug_part)
