"""What the staff endpoints accept and show. Shapes only: the rules live in the services."""

from rest_framework import serializers

from audit.models import ReadReason
from checkins.models import CheckIn
from matching.models import BatchRun, Match, MatchState, Report
from members.models import Member, Role, VettingStatus
from programme.periods import DEFAULT_WEEKS, PERIOD_WEEKS
from programme.queue import Kind
from safety.models import HelpRequest

REASON_HELP = "Why you are reading these records: " + ", ".join(ReadReason.values) + "."


class ReadReasonSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=ReadReason.choices,
        help_text=REASON_HELP,
        error_messages={
            "required": "Say why you are reading these records: ?reason=<code>.",
            "invalid_choice": "“{input}” is not a reason. Use one of: "
            + ", ".join(ReadReason.values)
            + ".",
        },
    )


class MemberFilterSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    vetting_status = serializers.ChoiceField(choices=VettingStatus.choices, required=False)
    language = serializers.CharField(required=False, max_length=12)
    tag = serializers.SlugField(required=False, max_length=60)


class MatchFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=MatchState.choices, required=False)


class StaffMemberSerializer(serializers.ModelSerializer):
    languages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "display_name",
            "role",
            "vetting_status",
            "vetted_at",
            "languages",
            "tags",
            "capacity",
            "is_paused",
            "held_for_review",
        ]
        read_only_fields = fields


class VetSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[VettingStatus.APPROVED, VettingStatus.REJECTED],
        help_text="approved or rejected",
    )


class VetResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "role", "vetting_status", "vetted_at"]
        read_only_fields = fields


class StaffMatchSerializer(serializers.ModelSerializer):
    newcomer_name = serializers.CharField(source="newcomer.display_name", read_only=True)
    mentor_name = serializers.CharField(source="mentor.display_name", read_only=True)

    class Meta:
        model = Match
        fields = [
            "id",
            "state",
            "origin",
            "newcomer_id",
            "newcomer_name",
            "mentor_id",
            "mentor_name",
            "score",
            "created_at",
            "sent_to_mentor_at",
            "decided_at",
            "ended_at",
        ]
        read_only_fields = fields


class MatchStepSerializer(serializers.ModelSerializer):
    """A match after a staff step: ids and state, no member's data."""

    class Meta:
        model = Match
        fields = ["id", "state", "origin", "newcomer_id", "mentor_id", "decided_at"]
        read_only_fields = fields


class MatchRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class MatchReassignSerializer(serializers.Serializer):
    mentor = serializers.PrimaryKeyRelatedField(
        queryset=Member.objects.filter(deleted_at=None),
        help_text="The id of the mentor to ask instead.",
    )


class BatchRunSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:v1:staff-batch-run", lookup_url_kwarg="run_id"
    )
    # A plain string: a second enum named "state" would collide with the match states'.
    state = serializers.CharField(
        help_text="`running` while a task computes it, then `done` (ready to apply) or `failed`."
    )
    stage = serializers.CharField(help_text="While running: what it is doing now.")
    percent_done = serializers.IntegerField(help_text="While running: how far along, 0 to 100.")
    error = serializers.CharField(help_text="When failed: why, in plain words.")

    class Meta:
        model = BatchRun
        fields = [
            "id",
            "url",
            "state",
            "stage",
            "percent_done",
            "error",
            "created_at",
            "summary",
            "applied_at",
            "proposals_created",
        ]
        read_only_fields = fields


class BatchApplySerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        help_text="Must be true: applying emails every mentor asked and every newcomer."
    )

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                "Send true to apply: each proposal emails a mentor and a newcomer."
            )
        return value


class QueueFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.values, required=False)


class QueueItemSerializer(serializers.Serializer):
    """An item of what needs a person: ids and plain words, never a name."""

    kind = serializers.ChoiceField(choices=Kind.values, read_only=True)
    id = serializers.IntegerField(
        source="object_id",
        read_only=True,
        help_text="The hold, check-in, match, report or member the item is about, by kind.",
    )
    since = serializers.DateTimeField(read_only=True)
    reason = serializers.CharField(read_only=True)
    member_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)


class HoldSerializer(serializers.ModelSerializer):
    """A hold in a list: no free text (the contact text is in the admin only)."""

    member_name = serializers.CharField(source="member.display_name", read_only=True)

    class Meta:
        model = HelpRequest
        fields = ["id", "member_id", "member_name", "reason", "may_contact", "created_at"]
        read_only_fields = fields


class HoldsClearedSerializer(serializers.Serializer):
    members_cleared = serializers.IntegerField()


class StaffReportSerializer(serializers.ModelSerializer):
    """A report in a list: who about whom, never its text."""

    reporter_name = serializers.CharField(source="reporter.display_name", read_only=True)
    reported_name = serializers.CharField(source="reported.display_name", read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "reporter_id",
            "reporter_name",
            "reported_id",
            "reported_name",
            "match_id",
            "status",
            "created_at",
        ]
        read_only_fields = fields


class ConcernSerializer(serializers.ModelSerializer):
    """A concern in a list: who raised it, in which match, never the note."""

    author_name = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "match_id",
            "author_id",
            "author_name",
            "created_at",
            "concern_acknowledged_at",
        ]
        read_only_fields = fields


class ConcernAcknowledgedSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckIn
        fields = ["id", "match_id", "author_id", "concern_acknowledged_at"]
        read_only_fields = fields


class MemberCountsSerializer(serializers.Serializer):
    newcomer = serializers.DictField(child=serializers.IntegerField())
    mentor = serializers.DictField(child=serializers.IntegerField())


class ReportingPeriodSerializer(serializers.Serializer):
    """The period, as the dashboard takes it (checked by `programme.forms.PeriodForm`)."""

    weeks = serializers.ChoiceField(
        choices=PERIOD_WEEKS,
        required=False,
        help_text=f"The last 4, 12, 26 or 52 weeks (default {DEFAULT_WEEKS}).",
    )
    start = serializers.DateField(
        required=False, help_text="First day of a custom period (with `end`)."
    )
    end = serializers.DateField(
        required=False, help_text="Last day of a custom period (with `start`), not in the future."
    )


class PeriodNumbersSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    weeks = serializers.ListField(
        child=serializers.DateField(), help_text="The first day of each week."
    )


class WaitsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    median_days = serializers.FloatField(allow_null=True)
    longest_days = serializers.FloatField(allow_null=True)


def _weekly(*names: str) -> serializers.Serializer:
    fields = {name: serializers.ListField(child=serializers.IntegerField()) for name in names}
    return type(f"Weekly{''.join(n.title() for n in names)}", (serializers.Serializer,), fields)()


class TimeToMatchSerializer(serializers.Serializer):
    matched = serializers.IntegerField()
    median_days = serializers.FloatField(allow_null=True)
    p90_days = serializers.FloatField(allow_null=True)
    weekly = serializers.ListField(child=serializers.IntegerField())


class RequestNumbersSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    declined = serializers.IntegerField()
    expired = serializers.IntegerField()
    decline_reasons = serializers.DictField(child=serializers.IntegerField())
    median_hours_to_first_response = serializers.FloatField(allow_null=True)
    weekly = _weekly("accepted", "declined", "expired")


class MatchNumbersSerializer(serializers.Serializer):
    active = serializers.IntegerField()
    open_requests = serializers.IntegerField()
    ended = serializers.IntegerField()
    ended_by = serializers.DictField(child=serializers.IntegerField())
    weekly = _weekly("active", "ended")


class CheckinNumbersSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    due = serializers.IntegerField()
    completion = serializers.FloatField(allow_null=True)
    weekly = _weekly("done", "due")


class MentorNumbersSerializer(serializers.Serializer):
    available = serializers.IntegerField()
    capacity = serializers.IntegerField()
    places_taken = serializers.IntegerField()
    load = serializers.FloatField(allow_null=True)
    full = serializers.IntegerField()
    with_room = serializers.IntegerField()
    with_room_not_asked_for_a_month = serializers.IntegerField()


class SafetyNumbersSerializer(serializers.Serializer):
    holds = WaitsSerializer()
    concerns = WaitsSerializer()
    reports = WaitsSerializer()
    weekly = _weekly("holds", "concerns", "reports")


class StepNumbersSerializer(serializers.Serializer):
    members_with_steps = serializers.IntegerField()
    marked_in_checkins = serializers.IntegerField()
    went_well = serializers.IntegerField()
    partly = serializers.IntegerField()
    not_this_week = serializers.IntegerField()
    kept_share = serializers.FloatField(allow_null=True)
    weekly = _weekly("went_well", "partly", "not_this_week")


class ThresholdShareSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    meaning = serializers.CharField()
    share = serializers.FloatField()


class RecoveryOutcomeSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    version = serializers.IntegerField()
    version_id = serializers.IntegerField()
    members = serializers.IntegerField()
    members_with_two_or_more = serializers.IntegerField()
    median_change = serializers.FloatField(allow_null=True)
    thresholds = ThresholdShareSerializer(many=True)


class ReportingSerializer(serializers.Serializer):
    """The dashboard's numbers (docs/reporting.md); the first fields keep their names."""

    generated_at = serializers.DateTimeField()
    period = PeriodNumbersSerializer()
    window_days = serializers.IntegerField(help_text="Days in the period.")
    members = MemberCountsSerializer()
    open_requests = serializers.IntegerField()
    active_matches = serializers.IntegerField()
    matches_ended_in_window = serializers.IntegerField()
    median_hours_to_first_response = serializers.FloatField(allow_null=True)
    checkins_in_window = serializers.IntegerField()
    waiting = WaitsSerializer()
    time_to_match = TimeToMatchSerializer()
    requests = RequestNumbersSerializer()
    matches = MatchNumbersSerializer()
    checkins = CheckinNumbersSerializer()
    mentors = MentorNumbersSerializer()
    safety = SafetyNumbersSerializer()
    steps = StepNumbersSerializer()
    recovery = RecoveryOutcomeSerializer(many=True)
