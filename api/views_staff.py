"""Staff endpoints: members and vetting, matches, batch matching, queues and reporting.

Who may call them: staff signed in with the session who passed their second
factor (the admin's rule), or an integration token with the endpoint's scope
(`staff:write` for actions and for reads of members' records, `reporting:read`
for the programme's numbers). A member, or staff with a personal token or
without their second factor, gets 403: the endpoints are public in the schema,
so there is nothing to hide, and nothing about any member is shown.

Every list that shows members' records asks why (`?reason=`, an
`audit.models.ReadReason`) and records a staff read for each member on the page.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from audit.models import RecordPart, ReportKind
from audit.services import record_report_read, record_staff_reads
from checkins import services as checkin_services
from matching import batch
from matching import selectors as matching_selectors
from matching import services as matching_services
from matching.models import BatchRun, Match
from members import services as member_services
from peerlink.admin_site import staff_passed_second_factor
from programme import queue as programme_queue
from programme import selectors as programme_selectors
from programme.forms import PeriodForm
from safety import services as safety_services

from . import selectors_staff as selectors
from . import serializers_staff as s
from .models import IntegrationToken, Scope

STAFF_ONLY = "Only staff who passed their second factor, or a token with the scope, can do this."


def _is_staff_session(request) -> bool:
    user = request.user
    return (
        request.auth is None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and staff_passed_second_factor(request)
    )


def staff_or_scope(scope: str) -> type[permissions.BasePermission]:
    """Permission class: staff with the session and second factor, or a token with `scope`."""

    class StaffOrScope(permissions.BasePermission):
        message = STAFF_ONLY

        def has_permission(self, request, view):
            token = request.auth
            if isinstance(token, IntegrationToken):
                if token.has_scope(scope):
                    return True
                self.message = f"This token lacks the “{scope}” scope."
                return False
            return _is_staff_session(request)

    StaffOrScope.__name__ = f"StaffOrScope[{scope}]"
    return StaffOrScope


def acting_user(request):
    """Who a staff step is recorded as: the staff member, or whoever issued the token."""
    if isinstance(request.auth, IntegrationToken):
        return request.auth.created_by
    return request.user


REASON_PARAMETER = OpenApiParameter(
    "reason", str, required=True, enum=s.ReadReason.values, description=s.REASON_HELP
)


class StaffView(generics.GenericAPIView):
    permission_classes = [staff_or_scope(Scope.STAFF_WRITE)]


class AuditedList(StaffView, generics.ListAPIView):
    """A staff list of members' records: asks why, and records a read per member shown."""

    parts: list[str] = []
    filter_serializer_class = None

    def filters(self) -> dict:
        if self.filter_serializer_class is None:
            return {}
        checked = self.filter_serializer_class(data=self.request.query_params)
        checked.is_valid(raise_exception=True)
        return {name: value for name, value in checked.validated_data.items() if value}

    def member_ids(self, row) -> list[int]:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        reason = s.ReadReasonSerializer(data=request.query_params)
        reason.is_valid(raise_exception=True)
        page = self.paginate_queryset(self.get_queryset())
        record_staff_reads(
            acting_user(request),
            [pk for row in page for pk in self.member_ids(row)],
            self.parts,
            reason.validated_data["reason"],
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- Members ---------------------------------------------------------------------


@extend_schema(parameters=[REASON_PARAMETER, s.MemberFilterSerializer])
class MemberList(AuditedList):
    """Members, oldest first; filter by role, vetting_status, language (code) or tag (slug)."""

    serializer_class = s.StaffMemberSerializer
    filter_serializer_class = s.MemberFilterSerializer
    parts = [RecordPart.PROFILE]

    def get_queryset(self):
        return selectors.members_for_staff(**self.filters())

    def member_ids(self, member):
        return [member.pk]


class MemberVet(StaffView):
    """Approve or reject a mentor."""

    serializer_class = s.VetResultSerializer

    @extend_schema(request=s.VetSerializer, responses=s.VetResultSerializer)
    def post(self, request, member_id: int):
        decision = s.VetSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        member = member_services.mentor_set_vetting(
            member_id=member_id,
            status=decision.validated_data["status"],
            staff_user=acting_user(request),
        )
        return Response(self.get_serializer(member).data)


# --- Matches ---------------------------------------------------------------------


@extend_schema(parameters=[REASON_PARAMETER, s.MatchFilterSerializer])
class MatchList(AuditedList):
    """Requests and matches, newest first; filter by state."""

    serializer_class = s.StaffMatchSerializer
    filter_serializer_class = s.MatchFilterSerializer
    parts = [RecordPart.MATCH]

    def get_queryset(self):
        return selectors.matches_for_staff(**self.filters())

    def member_ids(self, match):
        return [match.newcomer_id, match.mentor_id]


class MatchStep(StaffView):
    serializer_class = s.MatchStepSerializer

    def initial(self, request, *args, **kwargs):
        """A match id that does not exist is a 404, before the body is even read."""
        super().initial(request, *args, **kwargs)
        get_object_or_404(Match.objects.only("pk"), pk=kwargs["match_id"])

    def respond(self, match_id: int):
        return Response(self.get_serializer(Match.objects.get(pk=match_id)).data)


class MatchApprove(MatchStep):
    """Approve a pairing waiting for staff: the mentor is asked now."""

    @extend_schema(request=None, responses=s.MatchStepSerializer)
    def post(self, request, match_id: int):
        matching_services.match_approve(match_id=match_id, staff_user=acting_user(request))
        return self.respond(match_id)


class MatchReject(MatchStep):
    """Turn down a pairing waiting for staff; the newcomer's next choice is asked, if any."""

    @extend_schema(request=s.MatchRejectSerializer, responses=s.MatchStepSerializer)
    def post(self, request, match_id: int):
        body = s.MatchRejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        matching_services.match_reject(
            match_id=match_id,
            staff_user=acting_user(request),
            reason=body.validated_data["reason"],
        )
        return self.respond(match_id)


class MatchReassign(MatchStep):
    """Move an open request to another mentor; answers the new request."""

    @extend_schema(request=s.MatchReassignSerializer, responses={201: s.MatchStepSerializer})
    def post(self, request, match_id: int):
        body = s.MatchReassignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        new = matching_services.match_reassign(
            match_id=match_id,
            mentor=body.validated_data["mentor"],
            staff_user=acting_user(request),
        )
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)


# --- Batch matching ----------------------------------------------------------------


class BatchRunList(StaffView, generics.ListAPIView):
    """Matching runs, newest first: what each proposed and whether it was applied."""

    serializer_class = s.BatchRunSerializer

    def get_queryset(self):
        return selectors.batch_runs()


class BatchPreview(StaffView):
    """Start a matching run; a task computes it without contacting anyone.

    Answers 202 at once with the run's URL (also in `Location`): read it until
    `state` is `done` (or `failed`), then review its summary and apply it.
    """

    serializer_class = s.BatchRunSerializer

    @extend_schema(request=None, responses={202: s.BatchRunSerializer})
    def post(self, request):
        run = batch.batch_run_start(user=acting_user(request))
        body = self.get_serializer(run).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class BatchRunDetail(StaffView, generics.RetrieveAPIView):
    """One matching run: its state, its progress while working, and its summary."""

    serializer_class = s.BatchRunSerializer
    lookup_url_kwarg = "run_id"

    def get_queryset(self):
        return selectors.batch_runs()


class BatchApply(StaffView):
    """Turn a computed run into proposals, skipping pairs the rules now refuse.

    Each proposal emails a mentor and tells a newcomer, so the body must say
    `{"confirm": true}`; without it nothing is sent (400).
    """

    serializer_class = s.BatchRunSerializer

    @extend_schema(request=s.BatchApplySerializer, responses=s.BatchRunSerializer)
    def post(self, request, run_id: int):
        get_object_or_404(BatchRun.objects.only("pk"), pk=run_id)
        s.BatchApplySerializer(data=request.data).is_valid(raise_exception=True)
        run = batch.batch_run_apply(run_id=run_id, user=acting_user(request))
        return Response(self.get_serializer(run).data)


# --- Queues ----------------------------------------------------------------------


@extend_schema(parameters=[REASON_PARAMETER, s.QueueFilterSerializer])
class NeedsAttentionList(AuditedList):
    """What needs a person, oldest first, as on the admin's queue; filter by kind.

    Beside the page: `kinds`, how many items of each kind, and
    `newcomers_waiting` with `newcomers_held`, the one count of who waits.
    """

    serializer_class = s.QueueItemSerializer
    filter_serializer_class = s.QueueFilterSerializer

    def list(self, request, *args, **kwargs):
        reason = s.ReadReasonSerializer(data=request.query_params)
        reason.is_valid(raise_exception=True)
        queue = programme_queue.needs_a_person(limit=programme_queue.EVERY, **self.filters())
        page = self.paginate_queryset(queue.items)
        for kind, parts in programme_queue.READ_PARTS.items():
            shown = [pk for item in page if item.kind == kind for pk in item.member_ids]
            if shown:
                record_staff_reads(
                    acting_user(request), shown, parts, reason.validated_data["reason"]
                )
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        waiting = matching_selectors.newcomers_waiting_count()
        response.data["kinds"] = {summary.kind: summary.count for summary in queue.kinds}
        response.data["newcomers_waiting"] = waiting.waiting
        response.data["newcomers_held"] = waiting.held
        return response


@extend_schema(parameters=[REASON_PARAMETER])
class HoldList(AuditedList):
    """Help requests and holds not cleared yet, newest first."""

    serializer_class = s.HoldSerializer
    parts = [RecordPart.HOLD]

    def get_queryset(self):
        return selectors.open_holds()

    def member_ids(self, hold):
        return [hold.member_id]


class HoldClear(StaffView):
    """Clear the hold of this request's member, and every open request of theirs."""

    serializer_class = s.HoldsClearedSerializer

    @extend_schema(request=None, responses=s.HoldsClearedSerializer)
    def post(self, request, hold_id: int):
        get_object_or_404(selectors.open_holds(), pk=hold_id)
        cleared = safety_services.holds_clear(
            help_request_ids=[hold_id], staff_user=acting_user(request)
        )
        return Response(self.get_serializer({"members_cleared": cleared}).data)


@extend_schema(parameters=[REASON_PARAMETER])
class ReportList(AuditedList):
    """Open reports, newest first, without their text."""

    serializer_class = s.StaffReportSerializer
    parts = [RecordPart.REPORT]

    def get_queryset(self):
        return selectors.open_reports()

    def member_ids(self, report):
        return [report.reporter_id, report.reported_id]


@extend_schema(parameters=[REASON_PARAMETER])
class ConcernList(AuditedList):
    """Check-in concerns not acknowledged yet, newest first, without the note."""

    serializer_class = s.ConcernSerializer
    parts = [RecordPart.CONCERN]

    def get_queryset(self):
        return selectors.open_concerns()

    def member_ids(self, checkin):
        return [checkin.author_id]


class ConcernAcknowledge(StaffView):
    """Acknowledge a check-in's concern."""

    serializer_class = s.ConcernAcknowledgedSerializer

    @extend_schema(request=None, responses=s.ConcernAcknowledgedSerializer)
    def post(self, request, checkin_id: int):
        checkin = checkin_services.concern_acknowledge(
            checkin_id=checkin_id, staff_user=acting_user(request)
        )
        return Response(self.get_serializer(checkin).data)


# --- Reporting -------------------------------------------------------------------


@extend_schema(parameters=[s.ReportingPeriodSerializer])
class Reporting(generics.GenericAPIView):
    """The programme's numbers for a period, as the dashboard shows them: counts and
    medians only, nothing about any member. Each call is recorded as a report read."""

    permission_classes = [staff_or_scope(Scope.REPORTING_READ)]
    serializer_class = s.ReportingSerializer

    def get(self, request):
        form = PeriodForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        period = form.period
        numbers = programme_selectors.programme_numbers(period=period)
        record_report_read(
            acting_user(request), kind=ReportKind.API, start=period.start, end=period.end
        )
        return Response(self.get_serializer(numbers).data)
