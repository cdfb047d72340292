"""Reads of members, each in a fixed number of queries."""

from django.db.models import QuerySet

from .models import Member


def member_with_profile(*, user_id: int) -> Member:
    """Return a member with everything their profile page shows, in three queries."""
    return (
        Member.objects.select_related("user")
        .prefetch_related("languages", "tags")
        .get(user_id=user_id)
    )


def members_for_admin() -> QuerySet[Member]:
    return Member.objects.select_related("user", "vetted_by")
