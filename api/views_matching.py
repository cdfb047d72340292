"""Member endpoints for matching and safety: suggestions, requests, my matches and
their lifecycle, block, report, "I need help now".

Thin: the matching and safety selectors read, the matching and safety services write
(their `MatchError` becomes 409), and every other member appears through `peer_view`.
Anything that is not the requester's is 404, the same as a missing id.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from matching import selectors as matching_selectors
from matching import services as matching_services
from matching.models import EndedBy, Match
from members.models import Member, Role
from members.visibility import peer_view
from messaging import selectors as messaging_selectors
from safety import selectors as safety_selectors
from safety import services as safety_services
from safety.views import ALREADY_ASKED, THANKS

from .permissions import IsMember, member_of
from .serializers_matching import (
    BlockResultSerializer,
    BlockSerializer,
    DeclineSerializer,
    EndSerializer,
    HelpNowResultSerializer,
    HelpNowSerializer,
    MatchRequestSerializer,
    MatchSerializer,
    Peer,
    ReportResultSerializer,
    ReportSerializer,
    SuggestionSerializer,
)
from .throttling import MemberRateThrottle, SuggestionsRateThrottle


class IsNewcomer(IsMember):
    message = "Only newcomers have suggestions and make requests."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and member_of(request).role == Role.NEWCOMER


# --- Suggestions and requests ---------------------------------------------------


class SuggestionList(generics.ListAPIView):
    """The mentors the newcomer may request now, best first, each with plain-language
    reasons; each mentor shows only what they share with a newcomer they are suggested to.
    409 until the newcomer has finished their profile, as the page sends them to finish it."""

    permission_classes = [IsNewcomer]
    serializer_class = SuggestionSerializer
    throttle_classes = [MemberRateThrottle, SuggestionsRateThrottle]

    def list(self, request, *args, **kwargs):
        newcomer = member_of(request)
        if not newcomer.is_onboarded:
            raise matching_services.MatchError(matching_services.NOT_ONBOARDED)
        rows = [
            {
                "mentor": Peer(s.mentor.pk, peer_view(s.mentor, viewer=newcomer)),
                "reasons": s.reasons,
            }
            for s in matching_selectors.suggestions_for(newcomer)
        ]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class MatchRequestView(generics.GenericAPIView):
    """Request one mentor, or rank up to three (the next is asked if one declines or
    does not answer), with an optional note. 409 when the rules do not allow it now:
    an open request or match already, a mentor not in your suggestions, a hold."""

    permission_classes = [IsNewcomer]
    serializer_class = MatchRequestSerializer

    @extend_schema(request=MatchRequestSerializer, responses={201: MatchSerializer})
    def post(self, request):
        newcomer = member_of(request)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = matching_services.match_request(
            newcomer=newcomer,
            mentor_ids=data.validated_data["mentors"],
            user=request.user,
            note=data.validated_data.get("note", ""),
        )
        return Response(
            MatchSerializer(match_row(_my_match(newcomer, match.pk), newcomer)).data,
            status=status.HTTP_201_CREATED,
        )


# --- My requests and matches ----------------------------------------------------


def _my_match(member: Member, match_id) -> Match:
    match = matching_selectors.matches_known_to(member).filter(pk=match_id).first()
    if match is None:
        raise Http404
    return match


def match_rows(matches, member: Member) -> list[dict]:
    """Each match from `member`'s side, the peer as `peer_view` shows them, in a fixed
    number of queries: the request notes and the member's own tags are read once."""
    matches = list(matches)
    notes = messaging_selectors.request_notes(matches, member)
    my_tag_ids = set(member.tags.values_list("pk", flat=True)) if member.is_mentor else set()
    rows = []
    for match in matches:
        side = "newcomer" if match.newcomer_id == member.pk else "mentor"
        other = match.mentor if side == "newcomer" else match.newcomer
        peer = peer_view(other, viewer=member, match=match)
        reasons, in_common = [], []
        if match.is_request and side == "newcomer":
            reasons = matching_selectors.reasons_for_newcomer(match)
        elif match.is_request:
            in_common = peer.tags_in_common(my_tag_ids)
        rows.append(
            {
                "id": match.pk,
                "side": side,
                "stage": match.stage_for(member),
                "match": match,
                "peer": Peer(other.pk, peer),
                "reasons": reasons,
                "in_common": in_common,
                "note": notes.get(match.pk, ""),
            }
        )
    return rows


def match_row(match: Match, member: Member) -> dict:
    return match_rows([match], member)[0]


class MatchList(generics.ListAPIView):
    """My requests and matches, latest first: a newcomer's requests, a mentor's
    requests to answer, active and past matches."""

    permission_classes = [IsMember]
    serializer_class = MatchSerializer

    def get_queryset(self):
        return matching_selectors.matches_known_to(member_of(self.request))

    def list(self, request, *args, **kwargs):
        member = member_of(request)
        page = self.paginate_queryset(self.get_queryset())
        rows = match_rows(page, member)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class MatchDetail(generics.GenericAPIView):
    """One of my requests or matches; 404 for anyone else's."""

    permission_classes = [IsMember]
    serializer_class = MatchSerializer

    def get(self, request, match_id: int):
        member = member_of(request)
        return Response(self.get_serializer(match_row(_my_match(member, match_id), member)).data)


class MatchActionView(generics.GenericAPIView):
    """A lifecycle step on one of my matches; 409 when the step is not allowed now."""

    permission_classes = [IsMember]
    serializer_class = MatchSerializer
    input_serializer = None

    def act(self, member: Member, match: Match, data: dict) -> None:
        raise NotImplementedError

    def post(self, request, match_id: int):
        member = member_of(request)
        match = _my_match(member, match_id)
        data = {}
        if self.input_serializer is not None:
            form = self.input_serializer(data=request.data)
            form.is_valid(raise_exception=True)
            data = form.validated_data
        self.act(member, match, data)
        return Response(self.get_serializer(match_row(_my_match(member, match.pk), member)).data)


@extend_schema(request=None, responses=MatchSerializer)
class MatchWithdraw(MatchActionView):
    """The newcomer withdraws their request before the mentor answers."""

    def act(self, member, match, data):
        matching_services.match_withdraw(match_id=match.pk, newcomer=member)


@extend_schema(request=None, responses=MatchSerializer)
class MatchAccept(MatchActionView):
    """The mentor accepts a request: the match becomes active, within their capacity."""

    def act(self, member, match, data):
        matching_services.match_accept(match_id=match.pk, mentor=member)


@extend_schema(request=DeclineSerializer, responses=MatchSerializer)
class MatchDecline(MatchActionView):
    """The mentor declines a request with a reason (and an optional note for staff)."""

    input_serializer = DeclineSerializer

    def act(self, member, match, data):
        matching_services.match_decline(
            match_id=match.pk, mentor=member, reason=data["reason"], note=data.get("note", "")
        )


@extend_schema(request=EndSerializer, responses=MatchSerializer)
class MatchEnd(MatchActionView):
    """Either side ends an active match with a short reason."""

    input_serializer = EndSerializer

    def act(self, member, match, data):
        ended_by = EndedBy.NEWCOMER if match.newcomer_id == member.pk else EndedBy.MENTOR
        matching_services.match_end(
            match_id=match.pk, ended_by=ended_by, member=member, reason=data["reason"]
        )


# --- Safety: block, report, help now --------------------------------------------


class BlockCreate(APIView):
    """Block someone who is or was your peer (or is suggested to you): open requests
    and matches between you end at once, and you are never paired again. They are
    not told. 404 for anyone else."""

    permission_classes = [IsMember]

    @extend_schema(request=BlockSerializer, responses={201: BlockResultSerializer})
    def post(self, request):
        member = member_of(request)
        data = BlockSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        other = safety_selectors.peer_of_or_404(member, data.validated_data["member"])
        safety_services.member_block(
            blocker=member, blocked=other, reason=data.validated_data.get("reason", "")
        )
        return Response(
            BlockResultSerializer({"member": other.pk, "message": safety_services.BLOCKED}).data,
            status=status.HTTP_201_CREATED,
        )


class ReportCreate(APIView):
    """Tell staff about a concern with someone who is or was your peer. They are not
    told. 404 for anyone else."""

    permission_classes = [IsMember]

    @extend_schema(request=ReportSerializer, responses={201: ReportResultSerializer})
    def post(self, request):
        member = member_of(request)
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        other = safety_selectors.peer_of_or_404(member, data.validated_data["member"])
        report = safety_services.report_create(
            reporter=member, reported=other, text=data.validated_data["text"]
        )
        return Response(
            ReportResultSerializer(
                {
                    "id": report.pk,
                    "reported_id": report.reported_id,
                    "created_at": report.created_at,
                    "message": safety_services.REPORTED,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


class HelpNowCreate(APIView):
    """ "I need help now": staff are told at once and the member is held out of
    matching until staff have been in touch. Pressing again while staff have not
    cleared it opens no second request; it updates the answers."""

    permission_classes = [IsMember]

    @extend_schema(request=HelpNowSerializer, responses={201: HelpNowResultSerializer})
    def post(self, request):
        member = member_of(request)
        data = HelpNowSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        already_asked = safety_services.help_request_is_open(member=member)
        safety_services.help_request_create(member=member, **data.validated_data)
        return Response(
            HelpNowResultSerializer(
                {
                    "already_asked": already_asked,
                    "message": ALREADY_ASKED if already_asked else THANKS,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )
