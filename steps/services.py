"""Writes: a member's steps, their sharing and how each went."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.services import record_disclosures_to_current_peers
from members.models import STEP_CONSENT_CATEGORY, ConsentRecord, ConsentSource, Member

from .models import ACTIVE_STEPS_MAX, STEP_TEXT_MAX, Answer, AnswerSource, Step, StepAnswer


class StepError(Exception):
    """A step change the member can fix; the message says how. `field` names the box."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


TOO_MANY = (
    f"You can keep up to {ACTIVE_STEPS_MAX} steps at a time. "
    "Retire one you're done with to add another."
)


def clean_text(text) -> str:
    """Return the step's words tidied, or raise StepError with a message for the text box."""
    if not isinstance(text, str) or not text.strip():
        raise StepError("Write your step in a few words.", field="text")
    text = " ".join(text.split())
    if len(text) > STEP_TEXT_MAX:
        raise StepError(
            f"Please keep a step under {STEP_TEXT_MAX} characters (it has {len(text)}).",
            field="text",
        )
    return text


def _own_step(member: Member, step_id) -> Step:
    step = Step.objects.select_for_update().filter(pk=step_id, member=member).first()
    if step is None:
        raise Step.DoesNotExist
    return step


def _record_sharing(member: Member, shared: bool) -> None:
    ConsentRecord.objects.create(
        member=member, category=STEP_CONSENT_CATEGORY, granted=shared, source=ConsentSource.STEPS
    )
    if shared:
        # The peer of an active match sees it now (peer_view says who may):
        # the member's accounting says so.
        record_disclosures_to_current_peers(member)


@transaction.atomic
def step_create(*, member: Member, text: str, shared: bool = False) -> Step:
    """Add an active step for `member`; at most ACTIVE_STEPS_MAX are active at once."""
    text = clean_text(text)
    # Lock the member so two tabs cannot both add a fourth step.
    Member.objects.select_for_update().filter(pk=member.pk).first()
    if Step.objects.filter(member=member, retired_at=None).count() >= ACTIVE_STEPS_MAX:
        raise StepError(TOO_MANY, field="text")
    step = Step.objects.create(member=member, text=text, shared=shared is True)
    if step.shared:
        _record_sharing(member, True)
    return step


@transaction.atomic
def step_update(
    *, member: Member, step_id: int, text: str | None = None, shared: bool | None = None
) -> Step:
    """Change a step's words or whether it is shared; raise Step.DoesNotExist if not theirs."""
    step = _own_step(member, step_id)
    if text is not None:
        if step.retired_at is not None:
            raise StepError("This step is retired, so its words stay as they were.", field="text")
        step.text = clean_text(text)
    if shared is True and step.retired_at is not None:
        raise StepError("This step is retired. Add a new one to share it.", field="shared")
    sharing_changed = shared is not None and (shared is True) != step.shared
    step.shared = step.shared if shared is None else shared is True
    step.save()
    if sharing_changed:
        _record_sharing(member, step.shared)
    return step


@transaction.atomic
def step_retire(*, member: Member, step_id: int) -> Step:
    """Retire a step: it stays in the member's history and is no longer active or shared."""
    step = _own_step(member, step_id)
    if step.retired_at is None:
        step.retired_at = timezone.now()
        was_shared, step.shared = step.shared, False
        step.save()
        if was_shared:
            _record_sharing(member, False)
    return step


@transaction.atomic
def step_answer(
    *,
    member: Member,
    step_id: int,
    answer: str,
    source: str = AnswerSource.STEPS_PAGE,
    checkin_id: int | None = None,
) -> StepAnswer:
    """Note how an active step went."""
    step = _own_step(member, step_id)
    if answer not in Answer.values:
        raise StepError("Choose how it went.", field="answer")
    if step.retired_at is not None:
        raise StepError("This step is retired. You can add a new one any time.", field="answer")
    return StepAnswer.objects.create(step=step, answer=answer, source=source, checkin_id=checkin_id)


def steps_delete_for(*, member: Member) -> int:
    """Delete every step of `member` and its history (account deletion); return how many."""
    deleted, _ = Step.objects.filter(member=member).delete()
    return deleted
