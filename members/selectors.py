"""Reads of members, each in a fixed number of queries."""

from django.db.models import QuerySet

from .models import Member, TagCategory


def member_with_profile(*, user_id: int) -> Member:
    """Return a member with everything their profile page shows, in three queries."""
    return (
        Member.objects.select_related("user")
        .prefetch_related("languages", "tags")
        .get(user_id=user_id)
    )


def members_for_admin() -> QuerySet[Member]:
    return Member.objects.select_related("user", "vetted_by")


def shared_profile(member: Member, *, match_accepted: bool) -> dict:
    """Return what a matched peer may see of `member`, as they consented.

    Contact details appear only once a match is accepted, and only if shared.
    Uses prefetched languages and tags when present.
    """
    shared: dict = {"display_name": member.display_name if member.share_display_name else "A peer"}
    if member.share_pronouns and member.pronouns:
        shared["pronouns"] = member.pronouns
    if member.share_gender and member.gender:
        shared["gender"] = member.gender_self_description or member.get_gender_display()
    if member.share_age_range:
        shared["age_range"] = member.age_range()
    tag_shares = {
        "pathways": (member.share_pathways, TagCategory.PATHWAY),
        "substances": (member.share_substances, TagCategory.SUBSTANCE),
        "life_situation": (member.share_life_situation, TagCategory.LIFE_SITUATION),
        "community": (member.share_community, TagCategory.COMMUNITY),
    }
    for key, (allowed, category) in tag_shares.items():
        if allowed:
            shared[key] = [tag.name for tag in member.tags_in(category)]
    if member.share_languages:
        shared["languages"] = [language.name for language in member.languages.all()]
    if member.share_bio and member.bio:
        shared["bio"] = member.bio
    if member.share_availability:
        shared["availability"] = member.availability_labels()
    if match_accepted and member.share_contact:
        shared["contact"] = {"email": member.user.email, "details": member.contact_details}
    return shared


SHARED_LABELS = {
    "display_name": "Name",
    "pronouns": "Pronouns",
    "gender": "Gender",
    "age_range": "Age range",
    "pathways": "Pathways",
    "substances": "Substances",
    "life_situation": "Life situation",
    "community": "Communities",
    "languages": "Languages",
    "bio": "About",
    "availability": "Usually free",
}


def shared_profile_rows(shared: dict) -> list[tuple[str, str]]:
    """Return a shared profile as (label, text) rows for a page."""
    rows = []
    for key, value in shared.items():
        if key == "contact":
            text = " · ".join(part for part in (value["email"], value["details"]) if part)
            rows.append(("Contact (only after a match is accepted)", text))
        elif isinstance(value, list):
            rows.append((SHARED_LABELS[key], ", ".join(value)))
        else:
            rows.append((SHARED_LABELS[key], value))
    return rows
