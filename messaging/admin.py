"""Staff admin for messaging: the programme's settings, and conversations as numbers only.

Staff never browse conversations: the admin shows counts per side and dates,
never a message's text, and there is no admin for messages. The one exception
is a reported message and the ten before it, on the report's page (matching's
admin), after staff say why and with the read recorded.
"""

from django.contrib import admin
from django.db.models import Count, F, Max, Min, Q
from django.urls import reverse
from django.utils.html import format_html

from peerlink.admin_site import ProgrammeSettingsAdmin, ReadOnlyAdmin

from .models import Conversation, MessagingSettings


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(ProgrammeSettingsAdmin):
    fields = [
        "email_every_minutes",
        "crisis_phrases",
        "alert_staff_on_crisis_phrase",
        "first_steps",
        "updated_at",
    ]
    readonly_fields = ["updated_at"]


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    """Read-only: which match, how many messages each side wrote, and when; never text."""

    list_display = [
        "conversation_id",
        "match_link",
        "match_state",
        "newcomer_messages",
        "mentor_messages",
        "first_message_at",
        "last_message",
    ]
    list_filter = ["match__state", "created_at"]
    fields = [
        "match_link",
        "match_state",
        "created_at",
        "newcomer_messages",
        "mentor_messages",
        "first_message_at",
        "last_message",
    ]
    readonly_fields = fields
    list_per_page = 50
    actions = None

    def get_queryset(self, request):
        messages_of = {
            side: Count("messages", filter=Q(messages__sender=F(f"match__{side}")))
            for side in ("newcomer", "mentor")
        }
        return (
            super()
            .get_queryset(request)
            .select_related("match")
            .annotate(
                newcomer_count=messages_of["newcomer"],
                mentor_count=messages_of["mentor"],
                first_at=Min("messages__created_at"),
                last_at=Max("messages__created_at"),
            )
            .order_by("-pk")
        )

    @admin.display(description="Conversation", ordering="pk")
    def conversation_id(self, conversation):
        return f"Conversation {conversation.pk}"

    @admin.display(description="Match")
    def match_link(self, conversation):
        url = reverse("admin:matching_match_change", args=[conversation.match_id])
        return format_html('<a href="{}">Match {}</a>', url, conversation.match_id)

    @admin.display(description="Match state", ordering="match__state")
    def match_state(self, conversation):
        return conversation.match.get_state_display()

    @admin.display(description="Messages from the newcomer", ordering="newcomer_count")
    def newcomer_messages(self, conversation):
        return conversation.newcomer_count

    @admin.display(description="Messages from the mentor", ordering="mentor_count")
    def mentor_messages(self, conversation):
        return conversation.mentor_count

    @admin.display(description="First message", ordering="first_at")
    def first_message_at(self, conversation):
        return conversation.first_at or "–"

    @admin.display(description="Last message", ordering="last_at")
    def last_message(self, conversation):
        return conversation.last_at or "–"
