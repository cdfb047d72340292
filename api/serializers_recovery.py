"""What the recovery-check endpoints read and write. Shapes only: the rules are in
`recovery.services`. Thresholds are for staff and never appear here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from peerlink.ids import MAX_ID

MAX_ANSWERS = 100


class ScalePointSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    label = serializers.CharField()


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    text = serializers.CharField()


class VersionSerializer(serializers.Serializer):
    """The live questionnaire, as the member sees it."""

    id = serializers.IntegerField()
    instrument = serializers.CharField(source="instrument.name")
    validated = serializers.BooleanField(source="instrument.validated")
    version = serializers.IntegerField(source="number")
    intro = serializers.CharField()
    scale = serializers.SerializerMethodField()
    items = ItemSerializer(many=True)

    @extend_schema_field(ScalePointSerializer(many=True))
    def get_scale(self, version):
        return [{"value": value, "label": label} for value, label in version.scale]


class RecoveryCheckStatusSerializer(serializers.Serializer):
    due = serializers.BooleanField(help_text="Whether the check is offered now. It is optional.")
    last_taken = serializers.DateTimeField(allow_null=True)
    every_days = serializers.IntegerField()
    version = VersionSerializer(allow_null=True, help_text="Null when no check is live.")


class AnswerSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    value = serializers.IntegerField(min_value=-100, max_value=100)


class RecoveryCheckCreateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    idempotency_key = serializers.CharField(
        min_length=8,
        max_length=64,
        help_text="The same key records one check, however often the request arrives.",
    )
    answers = AnswerSerializer(many=True, allow_empty=False, max_length=MAX_ANSWERS)

    def validate_answers(self, answers):
        items = [answer["item"] for answer in answers]
        if len(items) != len(set(items)):
            raise serializers.ValidationError("Answer each statement once.")
        return answers


class RecoveryCheckTakenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    taken_at = serializers.DateTimeField()
    version = serializers.IntegerField(source="version_id")
    created = serializers.BooleanField(help_text="False when this key had already been recorded.")


class TrendCheckSerializer(serializers.Serializer):
    taken_at = serializers.DateTimeField()
    total = serializers.IntegerField(source="score")
    by_area = serializers.DictField(child=serializers.IntegerField())


class RecoveryTrendSerializer(serializers.Serializer):
    """The member's own answers over time, on the version of their latest check."""

    instrument = serializers.CharField(allow_null=True)
    version = serializers.IntegerField(allow_null=True)
    sentences = serializers.ListField(child=serializers.CharField())
    checks = TrendCheckSerializer(many=True)
    earlier_versions = serializers.IntegerField(
        help_text="Other versions you answered: never compared with this one."
    )
