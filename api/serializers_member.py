"""What the member endpoints for check-ins, messages and rights read and write.
Types and shapes only: the rules live in the services."""

from rest_framework import serializers

from checkins.models import CheckIn, Connected, Reminder
from messaging.models import MESSAGE_MAX, Message
from peerlink.ids import MAX_ID

REMOVED = "message removed"
RATING_RANGE = "Choose how it is going on a scale of 1 to 5."


class CheckInSerializer(serializers.ModelSerializer):
    """One of the member's own check-ins. The note is theirs and staff's only."""

    class Meta:
        model = CheckIn
        fields = ["id", "match", "connected", "rating", "concern", "note", "via_link", "created_at"]
        read_only_fields = fields


class CheckInCreateSerializer(serializers.Serializer):
    """A check-in on one of the member's active matches."""

    match = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    connected = serializers.ChoiceField(choices=Connected.choices)
    rating = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=5,
        error_messages={"min_value": RATING_RANGE, "max_value": RATING_RANGE},
    )
    concern = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class ReminderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reminder
        fields = ["id", "match", "due_at", "snoozed"]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    """A message as one side of the conversation sees it. The peer is named as
    `peer_view` allows (context `peer_name`); a removed message has no text."""

    mine = serializers.SerializerMethodField()
    sender = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    removed = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "mine", "sender", "text", "removed", "is_request_note", "created_at"]
        read_only_fields = fields

    def get_mine(self, message) -> bool:
        return message.sender_id == self.context["member"].pk

    def get_sender(self, message) -> str:
        return "You" if self.get_mine(message) else self.context["peer_name"]

    def get_text(self, message) -> str:
        return "" if message.removed_at else message.text

    def get_removed(self, message) -> bool:
        return message.removed_at is not None


class MessageCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MESSAGE_MAX)
    token = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=64,
        help_text="Optional: the same token sends one message, however often it arrives.",
    )


class MessageSentSerializer(serializers.Serializer):
    message = MessageSerializer()
    crisis = serializers.BooleanField(
        help_text="The message contains a crisis phrase: show the crisis resources now."
    )
    crisis_notice = serializers.CharField(allow_null=True)
    staff_told = serializers.BooleanField(
        help_text="With a crisis phrase: whether the programme's staff were told (say so to "
        "the sender, as the page does)."
    )
    crisis_resources = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()), allow_null=True
    )


class PasswordSerializer(serializers.Serializer):
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class DisclosureCategorySerializer(serializers.Serializer):
    category = serializers.CharField()
    label = serializers.CharField()
    since = serializers.DateTimeField()


class DisclosurePeerSerializer(serializers.Serializer):
    peer = serializers.CharField(help_text="The peer, named as you may see them now.")
    categories = DisclosureCategorySerializer(many=True)


class StaffReadSerializer(serializers.Serializer):
    staff = serializers.CharField()
    at = serializers.DateTimeField()
    reason = serializers.CharField()
    parts = serializers.ListField(child=serializers.CharField())


class AccountingSerializer(serializers.Serializer):
    """Who saw what of the member, and when, over the last three years."""

    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    peers = DisclosurePeerSerializer(many=True)
    staff_reads = StaffReadSerializer(many=True)
