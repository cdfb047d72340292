"""Member endpoints: check-ins and reminders, messages, and the member's rights over
their data. Thin: selectors read, services write, serializers shape."""

from types import SimpleNamespace
from urllib import parse

from django.conf import settings
from django.contrib.auth import logout
from django.core import signing
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from audit.selectors import accounting_for
from checkins import selectors as checkin_selectors
from checkins import services as checkin_services
from members import services as member_services
from members.export import member_data_export
from members.forms import DeleteAccountForm
from members.visibility import peer_view
from messaging import selectors as message_selectors
from messaging import services as message_services

from .pagination import MessageCursorPagination
from .permissions import IsMember, member_of
from .serializers_member import (
    AccountingSerializer,
    CheckInCreateSerializer,
    CheckInSerializer,
    MessageCreateSerializer,
    MessageSentSerializer,
    MessageSerializer,
    PasswordSerializer,
    ReminderSerializer,
)

# --- Check-ins ---------------------------------------------------------------------


class CheckInList(generics.ListAPIView):
    """GET: the member's own check-ins, newest first. POST: check in on one of their
    active matches (a concern alerts staff at once, as on the page)."""

    permission_classes = [IsMember]
    serializer_class = CheckInSerializer

    def get_queryset(self):
        return checkin_selectors.checkins_by(member_of(self.request)).order_by("-created_at", "-pk")

    @extend_schema(request=CheckInCreateSerializer, responses={201: CheckInSerializer})
    def post(self, request):
        data = CheckInCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        member = member_of(request)
        if not checkin_selectors.is_side_of(member, fields["match"]):
            raise NotFound
        checkin = checkin_services.checkin_record(
            match_id=fields.pop("match"), author=member, **fields
        )
        return Response(CheckInSerializer(checkin).data, status=status.HTTP_201_CREATED)


class ReminderSnooze(APIView):
    """Move one of the member's unsent check-in reminders to tomorrow; once per reminder."""

    permission_classes = [IsMember]

    @extend_schema(request=None, responses=ReminderSerializer)
    def post(self, request, reminder_id: int):
        member = member_of(request)
        if not checkin_selectors.reminder_is_for(member, reminder_id):
            raise NotFound
        reminder = checkin_services.reminder_snooze(reminder_id=reminder_id, member=member)
        return Response(ReminderSerializer(reminder).data)


# --- Messages ----------------------------------------------------------------------


class SincePagination(MessageCursorPagination):
    """Messages oldest first; `?since=` (the cursor in `next`) fetches what came since.

    `next` is there on the last page too, pointing after its last message (or, with
    nothing new, the same address): an app keeps asking it for new messages. Cursors
    are signed, so one PeerLink did not make is a 404, not the first page.
    """

    cursor_query_param = "since"
    signer = signing.Signer(salt="api.messages.since")

    def encode_cursor(self, cursor):
        url = super().encode_cursor(cursor)
        (encoded,) = parse.parse_qs(parse.urlsplit(url).query)[self.cursor_query_param]
        return replace_query_param(url, self.cursor_query_param, self.signer.sign(encoded))

    def decode_cursor(self, request):
        signed = request.query_params.get(self.cursor_query_param)
        if signed is None:
            return None
        try:
            encoded = self.signer.unsign(signed)
        except signing.BadSignature as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        return super().decode_cursor(
            SimpleNamespace(query_params={self.cursor_query_param: encoded})
        )

    def get_next_link(self):
        if self.has_next or (self.cursor is not None and self.cursor.reverse):
            return super().get_next_link()
        if not self.page:
            return self.base_url
        # DRF's own "next", as if more followed: after the last message of the page.
        self.has_next, self.next_position = True, None
        try:
            return super().get_next_link()
        finally:
            self.has_next = False


class MessageList(generics.ListAPIView):
    """GET: the messages of one of the member's matches, oldest first, with a `since`
    cursor. The peer is named as they share with the member now; a removed message
    keeps its place with no text. POST: send a message while the match is active."""

    permission_classes = [IsMember]
    serializer_class = MessageSerializer
    pagination_class = SincePagination

    def match(self):
        if not hasattr(self, "_match"):
            match = message_selectors.match_for(member_of(self.request), self.kwargs["match_id"])
            if match is None:
                raise NotFound
            self._match = match
        return self._match

    def get_queryset(self):
        return message_selectors.messages_in(self.match())

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        # Reading here counts as reading on the page: unread counts and the
        # "your peer wrote" email see it.
        participant = message_selectors.participant_for(member_of(request), self.match().pk)
        if participant is not None:
            page = self.paginator.page
            message_services.mark_seen(participant=participant, up_to=page[-1].pk if page else None)
        return response

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        member = member_of(self.request)
        match = self.match()
        peer = match.mentor if match.newcomer_id == member.pk else match.newcomer
        context["member"] = member
        context["peer_name"] = peer_view(peer, viewer=member, match=match).display_name
        return context

    @extend_schema(request=MessageCreateSerializer, responses={201: MessageSentSerializer})
    def post(self, request, match_id: int):
        self.match()  # 404 before anything else for a match that is not theirs
        data = MessageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = message_services.send_message(
            member=member_of(request),
            match_id=match_id,
            text=data.validated_data["text"],
            token=data.validated_data["token"],
        )
        crisis = bool(getattr(message, "has_crisis_phrase", False))
        body = {
            "message": self.get_serializer(message).data,
            "crisis": crisis,
            "crisis_notice": settings.PEERLINK_CRISIS_NOTICE if crisis else None,
            "staff_told": bool(getattr(message, "staff_told", False)),
            "crisis_resources": settings.PEERLINK_CRISIS_RESOURCES if crisis else None,
        }
        return Response(body, status=status.HTTP_201_CREATED)


# --- Rights over one's data ---------------------------------------------------------


class MyDisclosures(APIView):
    """The member's accounting of disclosures: each peer who could see their details
    (named as the member sees them now), which and since when; each staff read."""

    permission_classes = [IsMember]

    @extend_schema(responses=AccountingSerializer)
    def get(self, request):
        return Response(accounting_for(member_of(request)))


class MyExport(APIView):
    """Everything stored about the member: the same JSON document as "Download my data"."""

    permission_classes = [IsMember]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(member_data_export(member_of(request)))


LOCKED_OUT = "Too many wrong passwords. Please try again in {minutes} minutes."


class MyDelete(APIView):
    """Delete the member's account, after their password (checked like a sign-in, so
    failed guesses count towards the lockout). The account is anonymised and
    deactivated and its tokens deleted: any later call with them gets 401."""

    permission_classes = [IsMember]

    @extend_schema(request=PasswordSerializer, responses={204: None})
    def post(self, request):
        data = PasswordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request
        django_request.user = request.user
        form = DeleteAccountForm(data.validated_data, request=django_request)
        if not form.is_valid():
            if getattr(django_request, "axes_locked_out", False):
                # Answer in the API's shape, not with the sign-in page's lockout page.
                django_request.axes_locked_out = False
                wait = settings.AXES_COOLOFF_TIME.total_seconds()
                raise Throttled(wait=wait, detail=LOCKED_OUT.format(minutes=round(wait / 60)))
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        member_services.delete_account(member=member_of(request))
        logout(django_request)
        return Response(status=status.HTTP_204_NO_CONTENT)
