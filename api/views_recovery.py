"""The member's own recovery check: the live questions, answering, and their trend."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from recovery import selectors as recovery_selectors
from recovery import services as recovery_services

from .permissions import IsMember, member_of
from .serializers_recovery import (
    RecoveryCheckCreateSerializer,
    RecoveryCheckStatusSerializer,
    RecoveryCheckTakenSerializer,
    RecoveryTrendSerializer,
)


class MyRecoveryCheck(APIView):
    """GET: the live recovery check and whether it is offered now (it is always optional).
    POST: the member's answers, one per statement; the same `idempotency_key` counts once."""

    permission_classes = [IsMember]

    @extend_schema(responses=RecoveryCheckStatusSerializer)
    def get(self, request):
        status_now = recovery_selectors.status_for(member_of(request))
        body = {
            "due": status_now.due,
            "last_taken": status_now.last_taken,
            "every_days": status_now.every_days,
            "version": status_now.version,
        }
        return Response(RecoveryCheckStatusSerializer(body).data)

    @extend_schema(
        request=RecoveryCheckCreateSerializer,
        responses={201: RecoveryCheckTakenSerializer, 200: RecoveryCheckTakenSerializer},
    )
    def post(self, request):
        data = RecoveryCheckCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        try:
            check, created = recovery_services.check_record(
                member=member_of(request),
                version_id=fields["version"],
                answers={answer["item"]: answer["value"] for answer in fields["answers"]},
                idempotency_key=fields["idempotency_key"],
            )
        except recovery_services.AnswerError as error:
            raise ValidationError({"answers": [str(error)]}) from error
        check.created = created
        return Response(
            RecoveryCheckTakenSerializer(check).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MyRecoveryTrend(APIView):
    """The member's own answers over time, in words and numbers, on one version."""

    permission_classes = [IsMember]

    @extend_schema(responses=RecoveryTrendSerializer)
    def get(self, request):
        trend = recovery_selectors.trend_for(member_of(request))
        body = {
            "instrument": trend.version.instrument.name if trend.version else None,
            "version": trend.version.number if trend.version else None,
            "sentences": trend.sentences,
            "checks": [
                {"taken_at": row.taken_at, "score": row.score, "by_area": dict(row.areas)}
                for row in trend.rows
            ],
            "earlier_versions": trend.earlier_versions,
        }
        return Response(RecoveryTrendSerializer(body).data)
