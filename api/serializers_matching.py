"""What the matching and safety endpoints read and write. Shapes only: which
details of a peer appear is decided by `members.visibility.peer_view`, and every
rule about requests, matches, blocks and reports lives in the services."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework import serializers

from matching.models import REPORT_TEXT_MAX, DeclineReason, MatchState, PairStage
from matching.services import MAX_RANKED_CHOICES
from members.visibility import PeerView
from messaging.services import REQUEST_NOTE_MAX
from peerlink.ids import MAX_ID
from safety.services import HOW_TO_CONTACT_MAX


@dataclass(frozen=True)
class Peer:
    """Another member as the requester may see them: their id (to request, block
    or report them) and the details `peer_view` lets through."""

    id: int
    view: PeerView


class SharedStepSerializer(serializers.Serializer):
    """One of the peer's steps, in their words, which they chose to share with you."""

    id = serializers.IntegerField()
    text = serializers.CharField()


class PeerSerializer(serializers.Serializer):
    """Another member, showing only what they share with the requester at this stage.
    A detail they do not share is empty; `name` is empty when the name is not shared."""

    id = serializers.IntegerField()
    stage = serializers.CharField(source="view.stage.value")
    name = serializers.CharField(source="view.name")
    display_name = serializers.CharField(
        source="view.display_name", help_text="The name, or “A peer” when it is not shared."
    )
    pronouns = serializers.CharField(source="view.pronouns")
    gender = serializers.CharField(source="view.gender")
    age_range = serializers.CharField(source="view.age_range")
    time_in_recovery = serializers.CharField(
        source="view.time_in_recovery",
        help_text="A range such as “2 to 5 years”, never a date or a counter.",
    )
    pathways = serializers.ListField(child=serializers.CharField(), source="view.pathways")
    substances = serializers.ListField(child=serializers.CharField(), source="view.substances")
    life_situation = serializers.ListField(
        child=serializers.CharField(), source="view.life_situation"
    )
    community = serializers.ListField(child=serializers.CharField(), source="view.community")
    languages = serializers.ListField(child=serializers.CharField(), source="view.languages")
    bio = serializers.CharField(source="view.bio")
    recovery_goal = serializers.CharField(
        source="view.recovery_goal",
        help_text="Only with a request or an accepted match, if shared.",
    )
    shared_steps = SharedStepSerializer(
        many=True,
        source="view.shared_steps",
        help_text="The steps the peer shares with you: only while your match is active.",
    )
    availability = serializers.ListField(child=serializers.CharField(), source="view.availability")
    contact_details = serializers.CharField(
        source="view.contact_details", help_text="Only once a match is accepted, if shared."
    )
    email = serializers.CharField(
        source="view.email", help_text="Only once a match is accepted, if shared."
    )


class SuggestionSerializer(serializers.Serializer):
    """A mentor the newcomer may request, with plain-language reasons why."""

    mentor = PeerSerializer()
    reasons = serializers.ListField(child=serializers.CharField())


class MatchRequestSerializer(serializers.Serializer):
    """Request one mentor, or rank up to three: the first is asked first."""

    mentors = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=MAX_RANKED_CHOICES,
        help_text="Mentor ids from your suggestions, your first choice first.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=REQUEST_NOTE_MAX,
        help_text="Optional: why you chose them. It opens your conversation.",
    )


class MatchSerializer(serializers.Serializer):
    """A request or match of the requester's, from their side."""

    id = serializers.IntegerField()
    side = serializers.ChoiceField(
        choices=["newcomer", "mentor"], help_text="The requester's side of this match."
    )
    state = serializers.ChoiceField(choices=MatchState.choices, source="match.state")
    state_label = serializers.CharField(source="match.get_state_display")
    stage = serializers.ChoiceField(
        choices=[
            (PairStage.PENDING_STAFF.value, PairStage.PENDING_STAFF.label),
            (PairStage.REQUESTED.value, PairStage.REQUESTED.label),
            (PairStage.ACTIVE.value, PairStage.ACTIVE.label),
            (PairStage.ENDED.value, PairStage.ENDED.label),
        ],
        help_text="How far this pair has come from the requester's side; a pair a block "
        "closed reads as ended.",
    )
    peer = PeerSerializer()
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="For the newcomer's open request: why they might relate to the mentor.",
    )
    in_common = serializers.ListField(
        child=serializers.CharField(),
        help_text="For a mentor's request to answer: what the newcomer shares that they have too.",
    )
    note = serializers.CharField(
        help_text="The newcomer's note sent with the request, if any (empty otherwise)."
    )
    created_at = serializers.DateTimeField(source="match.created_at")
    expires_at = serializers.DateTimeField(source="match.expires_at", allow_null=True)
    decided_at = serializers.DateTimeField(source="match.decided_at", allow_null=True)
    ended_at = serializers.DateTimeField(source="match.ended_at", allow_null=True)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Optional, for staff only.",
    )


class EndSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, help_text="A few words. Staff see it; your peer sees that the match ended."
    )


class BlockSerializer(serializers.Serializer):
    member = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The member id of someone who is or was your peer."
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="Optional, for staff only."
    )


class BlockResultSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    message = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    member = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The member id of someone who is or was your peer."
    )
    text = serializers.CharField(max_length=REPORT_TEXT_MAX, help_text="What happened.")


class ReportResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.IntegerField(source="reported_id")
    created_at = serializers.DateTimeField()
    message = serializers.CharField()


class HelpNowSerializer(serializers.Serializer):
    may_contact = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="May our staff contact you?"
    )
    how_to_contact = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=HOW_TO_CONTACT_MAX
    )


class HelpNowResultSerializer(serializers.Serializer):
    already_asked = serializers.BooleanField(
        help_text="True when staff already knew: no second request was opened."
    )
    message = serializers.CharField()
