"""Messages between matched peers: one conversation per match.

A conversation opens with the request (the newcomer's optional note is its first
message), is fully open while the match is active and read-only once it has
ended. Staff never read conversations, except a reported message and the ten
before it, and that read is audited. The `MessageEmail` row is the outbox of the
"your peer wrote" email: at most one unsent row per conversation and recipient.
"""

from django.db import models
from django.db.models import Q
from solo.models import SingletonModel

from matching.models import Match
from members.models import Member

MESSAGE_MAX = 2000

DEFAULT_CRISIS_PHRASES = "\n".join(
    [
        "want to die",
        "kill myself",
        "killing myself",
        "end my life",
        "suicide",
        "overdose",
        "od'd",
        "hurt myself",
        "no reason to live",
        "can't go on",
    ]
)
DEFAULT_FIRST_STEPS = "\n".join(
    [
        "Say hello and when you're usually free",
        "What helped you in your first weeks?",
        "What would you like from these chats?",
    ]
)


class MessagingSettings(SingletonModel):
    """The programme's messaging choices; one row, edited by staff in the admin."""

    email_every_minutes = models.PositiveSmallIntegerField(
        "at most one email per conversation every (minutes)",
        default=30,
        help_text="A member is told that their peer wrote at most this often per conversation.",
    )
    crisis_phrases = models.TextField(
        default=DEFAULT_CRISIS_PHRASES,
        blank=True,
        help_text=(
            "One phrase per line. A message containing one is always sent; its sender is "
            "shown the crisis resources and the “I need help now” action at once."
        ),
    )
    alert_staff_on_crisis_phrase = models.BooleanField(
        "alert staff when a message contains a crisis phrase",
        # On by default: the programme's duty of care is to know, and the email
        # names no one and quotes nothing.
        default=True,
        help_text=(
            "Staff get an email naming no one and quoting nothing; the sender is told "
            "whether staff were told."
        ),
    )
    first_steps = models.TextField(
        default=DEFAULT_FIRST_STEPS,
        blank=True,
        help_text="One prompt per line, shown to both sides while a conversation is empty.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "messaging settings"

    def __str__(self):
        return "Messaging settings"

    @staticmethod
    def lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]


class Conversation(models.Model):
    """The one conversation of a match."""

    match = models.OneToOneField(Match, on_delete=models.CASCADE, related_name="conversation")
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Conversation {self.pk}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="messages_sent")
    text = models.TextField(max_length=MESSAGE_MAX)
    is_request_note = models.BooleanField(
        default=False, help_text="The newcomer's note sent with the request."
    )
    crisis_phrase = models.BooleanField(
        default=False,
        help_text="It contained a crisis phrase when sent: its reader is shown what to do.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the sender deleted their account or the retention period passed:
    # the text is blanked and readers see "message removed".
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"])]

    def __str__(self):
        return f"Message {self.pk}"


class Participant(models.Model):
    """What one side of a conversation has read, and whether they are reading now."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="conversations")
    last_read_message_id = models.BigIntegerField(default=0)
    # Updated by the page's "anything new?" check: no email while they are reading.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "member"], name="one_participant_row_per_member"
            )
        ]

    def __str__(self):
        return f"Participant {self.member_id} in conversation {self.conversation_id}"


class MessageEmail(models.Model):
    """Outbox of the "your peer wrote" email: one unsent row per conversation and recipient."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the beat task when it hands the row to a worker; a row enqueued
    # long ago and still unsent (a lost message, a dead worker) is enqueued again.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # Set by the worker's conditional claim just before it sends.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "recipient"],
                condition=Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="one_pending_message_email",
            )
        ]

    def __str__(self):
        return f"Message email {self.pk}"
