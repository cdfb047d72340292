"""What a viewer may see of another member: the one rule, and it fails closed.

Every page and email that shows a member to someone else goes through
`peer_view`. It works out how the viewer relates to the member (a suggested
mentor, an open request, an accepted match, a match that is over) and shows
only what that stage allows and the member ticked. When the relationship or a
setting is unknown, nothing is shown: the name becomes "A peer".
"""

from __future__ import annotations

import enum
from functools import cached_property

from django.utils import timezone

from matching.models import PairStage
from matching.scoring import RECOVERY_BAND_LABELS, recovery_band

from .availability import describe_availability
from .models import STEP_CONSENT_CATEGORY, Role, TagCategory, VettingStatus


class Stage(enum.Enum):
    NOTHING = "nothing"  # no relationship we know of
    SUGGESTED = "suggested"  # a mentor suggested to a newcomer
    REQUESTED = "requested"  # an open request, not yet accepted
    MATCHED = "matched"  # an accepted, active match
    OVER = "over"  # a request or match that has ended


# Each detail a peer may see, and the box the member ticks to let them.
DETAIL_FLAGS = {
    "display_name": "share_display_name",
    "pronouns": "share_pronouns",
    "gender": "share_gender",
    "age_range": "share_age_range",
    "time_in_recovery": "share_time_in_recovery",
    "pathways": "share_pathways",
    "substances": "share_substances",
    "life_situation": "share_life_situation",
    "community": "share_community",
    "languages": "share_languages",
    "bio": "share_bio",
    "recovery_goal": "share_recovery_goal",
    "availability": "share_availability",
    "contact_details": "share_contact",
    "email": "share_email",
}
TAG_CATEGORY_DETAILS = {
    TagCategory.PATHWAY: "pathways",
    TagCategory.SUBSTANCE: "substances",
    TagCategory.LIFE_SITUATION: "life_situation",
    TagCategory.COMMUNITY: "community",
}
PROFILE = frozenset(DETAIL_FLAGS) - {"contact_details", "email", "recovery_goal"}
# What each stage may see, of what the member ticked. The recovery goal goes
# with a request and a match, never to someone only browsing suggestions;
# contact details and the sign-in email only once a match is accepted.
STAGE_DETAILS = {
    Stage.NOTHING: frozenset(),
    Stage.SUGGESTED: PROFILE,
    Stage.REQUESTED: PROFILE | {"recovery_goal"},
    Stage.MATCHED: PROFILE | {"recovery_goal", "contact_details", "email"},
    Stage.OVER: frozenset({"display_name"}),
}
# Every detail but the name, in the order a page lists them.
DETAILS = [name for name in DETAIL_FLAGS if name != "display_name"]
LABELS = {
    "display_name": "Name",
    "pronouns": "Pronouns",
    "gender": "Gender",
    "age_range": "Age range",
    "time_in_recovery": "Time in recovery",
    "pathways": "Pathways",
    "substances": "Substances",
    "life_situation": "Life situation",
    "community": "Communities",
    "languages": "Languages",
    "bio": "About",
    "recovery_goal": "Recovery goal",
    "availability": "Usually free",
}
# Each free time is a phrase of its own; a semicolon keeps them apart.
LIST_SEPARATORS = {"availability": "; "}
CONTACT_LABEL = "Contact (only after a match is accepted)"
# A detail a newcomer's preference may read of a mentor who does not show it,
# and the box by which the mentor allows it, knowing that a newcomer may work
# it out from which mentors they are suggested. Without it a hidden detail
# never satisfies a preference.
PREFERENCE_FLAGS = {"gender": "share_gender_for_matching"}

# How far a pair has come for the viewer (`Match.stage_for`, the one stage
# rule) decides what the viewer may see of the other member.
_FROM_PAIR_STAGE = {
    PairStage.NOT_VISIBLE: Stage.NOTHING,
    PairStage.PENDING_STAFF: Stage.REQUESTED,
    PairStage.REQUESTED: Stage.REQUESTED,
    PairStage.ACTIVE: Stage.MATCHED,
    PairStage.ENDED: Stage.OVER,
}


def share_flags_for(stage: Stage, details) -> dict[str, str]:
    """Return the box behind each of `details` that `stage` may see at all.

    The matcher uses it to tell the scorer which reasons it may give: a detail
    left out counts as not shared.
    """
    return {name: DETAIL_FLAGS[name] for name in details if name in STAGE_DETAILS[stage]}


def preference_flags_for(stage: Stage, details) -> dict[str, tuple[str, ...]]:
    """Return the boxes, any one of which lets a preference of a viewer at `stage` read
    each of `details`: the detail is shown to them, or the member lets preferences use it."""
    shown = share_flags_for(stage, details)
    return {
        name: tuple(flag for flag in (shown.get(name), PREFERENCE_FLAGS.get(name)) if flag)
        for name in details
    }


def stage_of(member, *, viewer, match) -> Stage:
    """Return how `viewer` relates to `member`; NOTHING when in doubt."""
    if member is None or viewer is None or member.pk is None or viewer.pk == member.pk:
        return Stage.NOTHING
    if match is None:
        # Only an approved mentor is ever suggested, and only to a newcomer.
        if (
            viewer.role == Role.NEWCOMER
            and member.role == Role.MENTOR
            and member.vetting_status == VettingStatus.APPROVED
        ):
            return Stage.SUGGESTED
        return Stage.NOTHING
    if {match.newcomer_id, match.mentor_id} != {viewer.pk, member.pk}:
        return Stage.NOTHING
    return _FROM_PAIR_STAGE.get(match.stage_for(viewer), Stage.NOTHING)


def peer_view(member, *, viewer, match=None) -> PeerView:
    """Return what `viewer` may see of `member`, given the match between them.

    Without a match, only a newcomer looking at a suggested mentor sees anything.
    """
    return PeerView(
        member,
        stage_of(member, viewer=viewer, match=match),
        viewer_time_zone=getattr(viewer, "time_zone", None),
    )


def matched_peer_preview(member) -> PeerView:
    """Return what a peer would see of `member` once a match is accepted."""
    return PeerView(member, Stage.MATCHED)


class PeerView:
    """One member as one viewer may see them. Each detail is read only when used,
    so an email that names a peer loads no more than the name."""

    def __init__(self, member, stage: Stage, *, viewer_time_zone: str | None = None):
        self._member = member
        self.stage = stage
        self._viewer_time_zone = viewer_time_zone

    def _may_see(self, detail: str) -> bool:
        if detail not in STAGE_DETAILS.get(self.stage, ()):
            return False
        # A setting that is missing or not a plain "yes" counts as not shared.
        return getattr(self._member, DETAIL_FLAGS[detail], None) is True

    def shown_categories(self) -> list[str]:
        """Return the sharing boxes (`share_*`) whose details this viewer sees now,
        and `share_step` when they see at least one of the member's steps."""
        shown = [flag for detail, flag in DETAIL_FLAGS.items() if self._may_see(detail)]
        return shown + ([STEP_CONSENT_CATEGORY] if self.shared_steps else [])

    @cached_property
    def name(self) -> str:
        """The member's display name, or "" when this viewer may not see it."""
        if not self._may_see("display_name"):
            return ""
        return self._member.display_name

    @property
    def display_name(self) -> str:
        """The name for a heading or a list."""
        return self.name or "A peer"

    @property
    def name_in_sentence(self) -> str:
        return self.name or "your peer"

    @cached_property
    def pronouns(self) -> str:
        return self._member.pronouns if self._may_see("pronouns") else ""

    @cached_property
    def gender(self) -> str:
        if not self._may_see("gender") or not self._member.gender:
            return ""
        return self._member.gender_self_description or self._member.get_gender_display()

    @cached_property
    def age_range(self) -> str:
        return self._member.age_range() if self._may_see("age_range") else ""

    @cached_property
    def time_in_recovery(self) -> str:
        """The band of the member's time in recovery, never a date or a counter."""
        if not self._may_see("time_in_recovery") or self._member.recovery_start_date is None:
            return ""
        return RECOVERY_BAND_LABELS[int(recovery_band(self._member.months_in_recovery()))]

    @cached_property
    def _visible_tags(self) -> list:
        return [
            tag
            for tag in self._member.tags.all()
            if tag.category in TAG_CATEGORY_DETAILS
            and self._may_see(TAG_CATEGORY_DETAILS[tag.category])
        ]

    def _tag_names(self, category: str) -> list[str]:
        return [tag.name for tag in self._visible_tags if tag.category == category]

    @property
    def pathways(self) -> list[str]:
        return self._tag_names(TagCategory.PATHWAY)

    @property
    def substances(self) -> list[str]:
        return self._tag_names(TagCategory.SUBSTANCE)

    @property
    def life_situation(self) -> list[str]:
        return self._tag_names(TagCategory.LIFE_SITUATION)

    @property
    def community(self) -> list[str]:
        return self._tag_names(TagCategory.COMMUNITY)

    @cached_property
    def languages(self) -> list[str]:
        if not self._may_see("languages"):
            return []
        return [language.name for language in self._member.languages.all()]

    @cached_property
    def bio(self) -> str:
        return self._member.bio if self._may_see("bio") else ""

    @cached_property
    def recovery_goal(self) -> str:
        if not self._may_see("recovery_goal") or not self._member.recovery_goal:
            return ""
        return self._member.get_recovery_goal_display()

    @cached_property
    def shared_steps(self) -> list:
        """The member's active steps they ticked to share, only with the peer of an
        accepted match; unticking one hides it at once. Reads `member.steps`, so a
        page that lists many peers prefetches it."""
        if self.stage != Stage.MATCHED:
            return []
        return [
            step
            for step in self._member.steps.all()
            if step.shared is True and step.retired_at is None
        ]

    @cached_property
    def availability(self) -> list[str]:
        return self._member.availability_labels() if self._may_see("availability") else []

    @cached_property
    def availability_times(self) -> list[str]:
        """The member's free times with their time zone named, and in the viewer's own
        zone beside them when it differs."""
        if not self._may_see("availability"):
            return []
        return describe_availability(
            self._member.availability,
            time_zone=self._member.time_zone,
            viewer_time_zone=self._viewer_time_zone,
            today=timezone.localdate(),
        )

    @cached_property
    def contact_details(self) -> str:
        return self._member.contact_details if self._may_see("contact_details") else ""

    @cached_property
    def email(self) -> str:
        return self._member.user.email if self._may_see("email") else ""

    def tags_in_common(self, tag_ids: set[int]) -> list[str]:
        """Say which of the viewer's tags (`tag_ids`) this member shares with them."""
        return [tag.peer_phrase or tag.name for tag in self._visible_tags if tag.pk in tag_ids]

    def rows(self) -> list[tuple[str, str]]:
        """Return (label, text) rows for a page: the name, then each detail shown."""
        return [(LABELS["display_name"], self.display_name), *self.detail_rows()]

    def detail_rows(self) -> list[tuple[str, str]]:
        """Return (label, text) rows of each detail shown, for a card headed by the name."""
        rows = []
        for detail in DETAILS:
            if detail in ("contact_details", "email"):
                continue
            # Free times are read with their hours and time zones, not as slot names.
            value = self.availability_times if detail == "availability" else getattr(self, detail)
            if isinstance(value, list):
                # A ticked category with nothing in it still shows, as "—".
                if self._may_see(detail):
                    rows.append((LABELS[detail], LIST_SEPARATORS.get(detail, ", ").join(value)))
            elif value:
                rows.append((LABELS[detail], value))
        contact = " · ".join(part for part in (self.email, self.contact_details) if part)
        if contact:
            rows.append((CONTACT_LABEL, contact))
        return rows
