"""What the "My steps" endpoints read and write. Shapes only: the rules live in
`steps.services`."""

from rest_framework import serializers

from steps.models import STEP_TEXT_MAX, Answer, Step, StepAnswer


class StepAnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = StepAnswer
        fields = ["id", "answer", "source", "recorded_at"]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer):
    """One of the member's own steps, with how it went, oldest first."""

    active = serializers.BooleanField(source="is_active", read_only=True)
    answers = StepAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Step
        fields = ["id", "text", "shared", "active", "created_at", "retired_at", "answers"]
        read_only_fields = fields


class StepCreateSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=STEP_TEXT_MAX * 4,
        help_text=f"In your own words, up to {STEP_TEXT_MAX} characters.",
    )
    shared = serializers.BooleanField(
        required=False, default=False, help_text="Share it with your current peer."
    )


class StepUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, max_length=STEP_TEXT_MAX * 4)
    shared = serializers.BooleanField(required=False)
    retired = serializers.BooleanField(
        required=False, help_text="true retires the step; it stays in your history."
    )


class StepAnswerCreateSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=Answer.choices)
