"""My steps: the member's own steps. Another member's step id is a 404."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from steps import services
from steps.models import AnswerSource, Step
from steps.selectors import steps_with_answers

from .permissions import IsMember, member_of
from .serializers_steps import (
    StepAnswerCreateSerializer,
    StepAnswerSerializer,
    StepCreateSerializer,
    StepSerializer,
    StepUpdateSerializer,
)


def _my_step(member, step_id) -> Step:
    step = steps_with_answers(member).filter(pk=step_id).first()
    if step is None:
        raise NotFound
    return step


def _invalid(error: services.StepError) -> ValidationError:
    return ValidationError({error.field or "non_field_errors": [str(error)]})


class MyStepList(APIView):
    """GET: my steps, active and retired, with how each went. POST: add a step
    (at most three active)."""

    permission_classes = [IsMember]

    @extend_schema(responses=StepSerializer(many=True))
    def get(self, request):
        return Response(StepSerializer(steps_with_answers(member_of(request)), many=True).data)

    @extend_schema(request=StepCreateSerializer, responses={201: StepSerializer})
    def post(self, request):
        data = StepCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = member_of(request)
        try:
            step = services.step_create(member=member, **data.validated_data)
        except services.StepError as error:
            raise _invalid(error) from error
        return Response(
            StepSerializer(_my_step(member, step.pk)).data, status=status.HTTP_201_CREATED
        )


class MyStepDetail(APIView):
    """GET: one of my steps. PATCH: change its words, share or unshare it, or retire it."""

    permission_classes = [IsMember]

    @extend_schema(responses=StepSerializer)
    def get(self, request, step_id: int):
        return Response(StepSerializer(_my_step(member_of(request), step_id)).data)

    @extend_schema(request=StepUpdateSerializer, responses=StepSerializer)
    def patch(self, request, step_id: int):
        member = member_of(request)
        _my_step(member, step_id)
        data = StepUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        retire = fields.pop("retired", False)
        try:
            # New words first, then retiring: both in one call keeps the new words.
            if fields:
                services.step_update(member=member, step_id=step_id, **fields)
            if retire:
                services.step_retire(member=member, step_id=step_id)
        except services.StepError as error:
            raise _invalid(error) from error
        return Response(StepSerializer(_my_step(member, step_id)).data)


class MyStepAnswers(APIView):
    """POST: note how one of my active steps went."""

    permission_classes = [IsMember]

    @extend_schema(request=StepAnswerCreateSerializer, responses={201: StepAnswerSerializer})
    def post(self, request, step_id: int):
        member = member_of(request)
        _my_step(member, step_id)
        data = StepAnswerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            answer = services.step_answer(
                member=member,
                step_id=step_id,
                answer=data.validated_data["answer"],
                source=AnswerSource.API,
            )
        except services.StepError as error:
            raise _invalid(error) from error
        return Response(StepAnswerSerializer(answer).data, status=status.HTTP_201_CREATED)
