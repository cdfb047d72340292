"""Reads for the API, each list in a fixed number of queries."""

from django.db.models import QuerySet

from members.models import Language, Member, Tag

from .models import PersonalToken


def offered_tags() -> QuerySet[Tag]:
    """The tags members can choose now (as the profile forms offer them)."""
    return Tag.objects.filter(is_active=True).order_by("category", "sort_order", "name", "pk")


def languages() -> QuerySet[Language]:
    return Language.objects.order_by("sort_order", "name", "code")


def personal_tokens_of(member: Member) -> QuerySet[PersonalToken]:
    return PersonalToken.objects.filter(member=member).order_by("-created_at", "-pk")
