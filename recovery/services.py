"""Writes for the recovery check: answers, "not now", and instruments staff enter."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from members.models import Member

from . import scoring
from .models import (
    Answer,
    Area,
    Dismissal,
    Instrument,
    InstrumentVersion,
    Item,
    RecoveryCheck,
    Threshold,
    VersionStatus,
)

MAX_ITEMS = 60
MAX_SCALE_POINTS = 11


class RecoveryCheckError(Exception):
    """A recovery-check change the rules do not allow; the message is for people."""


class AnswerError(RecoveryCheckError):
    """Answers that do not fit the questions: a missing, extra or out-of-range answer."""


class InstrumentImportError(RecoveryCheckError):
    """An instrument file that cannot be imported; nothing of it was saved."""


class VersionLocked(RecoveryCheckError):
    """A version members have answered cannot change: make a new version instead."""


# --- Answering ---------------------------------------------------------------------


@transaction.atomic
def check_record(
    *,
    member: Member,
    version_id: int,
    answers: dict[int, int],
    idempotency_key: str,
    now=None,
) -> tuple[RecoveryCheck, bool]:
    """Record `member`'s answers to a live version; return the check and whether it is new.

    The same idempotency key returns the check it first recorded, so a double
    submit counts once.
    """
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 64:
        raise RecoveryCheckError("This form has expired. Please open the recovery check again.")
    # One member's submissions are decided one at a time: a double submit waits here.
    Member.objects.select_for_update().filter(pk=member.pk).first()
    existing = RecoveryCheck.objects.filter(member=member, idempotency_key=key).first()
    if existing is not None:
        return existing, False
    version = InstrumentVersion.objects.filter(pk=version_id).prefetch_related("items").first()
    if version is None or version.status != VersionStatus.LIVE:
        raise RecoveryCheckError(
            "These questions have been updated since you opened them. "
            "Please open the recovery check again."
        )
    items = list(version.items.all())
    missing = [item for item in items if item.pk not in answers]
    if missing:
        raise AnswerError("Please choose an answer for every statement.")
    if set(answers) - {item.pk for item in items}:
        raise AnswerError("Some answers are not for these questions.")
    if any(not version.scale_min <= value <= version.scale_max for value in answers.values()):
        raise AnswerError(
            f"Each answer is a number from {version.scale_min} to {version.scale_max}."
        )
    score, areas = scoring.total_and_areas(
        answers,
        [scoring.ScoredItem(item.pk, item.area, item.reverse_scored) for item in items],
        low=version.scale_min,
        high=version.scale_max,
    )
    try:
        with transaction.atomic():
            check = RecoveryCheck.objects.create(
                member=member,
                version=version,
                score=score,
                area_scores=areas,
                idempotency_key=key,
                taken_at=now or timezone.now(),
            )
    except IntegrityError:
        # The same submit arrived twice at once where rows cannot be locked: the
        # unique key let one through, and this one is that one.
        return RecoveryCheck.objects.get(member=member, idempotency_key=key), False
    Answer.objects.bulk_create(
        Answer(check_taken=check, item=item, value=answers[item.pk]) for item in items
    )
    return check, True


@transaction.atomic
def check_dismiss(*, member: Member, now=None) -> Dismissal:
    """Record that `member` said "not now": no offer again until the next period."""
    return Dismissal.objects.create(member=member, at=now or timezone.now())


def checks_delete_for(*, member: Member) -> int:
    """Delete every answer and "not now" of `member` (their account is being deleted)."""
    Dismissal.objects.filter(member=member).delete()
    deleted, _ = RecoveryCheck.objects.filter(member=member).delete()
    return deleted


# --- Instruments -------------------------------------------------------------------


def version_ensure_editable(version: InstrumentVersion) -> None:
    """Refuse to change a version anyone has answered, or one no longer a draft."""
    if RecoveryCheck.objects.filter(version=version).exists():
        raise VersionLocked(
            "Members have answered this version, so it cannot change. "
            "Make a new version from it instead."
        )
    if version.status != VersionStatus.DRAFT:
        raise VersionLocked("Only a draft can change. Make a new version from it instead.")


def _validate_version(version: InstrumentVersion) -> None:
    items = list(version.items.all())
    if not items:
        raise RecoveryCheckError("A version needs at least one statement before it goes live.")
    if len(version.scale_labels) not in (0, version.scale_max - version.scale_min + 1):
        raise RecoveryCheckError("The answer scale needs one label per answer.")


@transaction.atomic
def version_make_live(*, version_id: int, now=None) -> InstrumentVersion:
    """Make a draft the version members are asked; the instrument's live version retires."""
    version = InstrumentVersion.objects.select_for_update().get(pk=version_id)
    if version.status != VersionStatus.DRAFT:
        raise RecoveryCheckError("Only a draft can go live.")
    _validate_version(version)
    now = now or timezone.now()
    InstrumentVersion.objects.filter(
        instrument_id=version.instrument_id, status=VersionStatus.LIVE
    ).update(status=VersionStatus.RETIRED, retired_at=now)
    version.status = VersionStatus.LIVE
    version.made_live_at = now
    version.save(update_fields=["status", "made_live_at"])
    return version


@transaction.atomic
def version_retire(*, version_id: int, now=None) -> InstrumentVersion:
    """Stop asking a live version; its answers stay, read-only."""
    version = InstrumentVersion.objects.select_for_update().get(pk=version_id)
    if version.status != VersionStatus.LIVE:
        raise RecoveryCheckError("Only a live version can be retired.")
    version.status = VersionStatus.RETIRED
    version.retired_at = now or timezone.now()
    version.save(update_fields=["status", "retired_at"])
    return version


@transaction.atomic
def version_copy_as_draft(*, version_id: int) -> InstrumentVersion:
    """Start a change: a new draft version with the same statements, scale and thresholds."""
    source = InstrumentVersion.objects.prefetch_related("items", "thresholds").get(pk=version_id)
    instrument = Instrument.objects.select_for_update().get(pk=source.instrument_id)
    number = instrument.versions.aggregate(highest=Max("number"))["highest"] or 0
    draft = InstrumentVersion.objects.create(
        instrument=instrument,
        number=number + 1,
        intro=source.intro,
        scale_min=source.scale_min,
        scale_max=source.scale_max,
        scale_labels=list(source.scale_labels),
    )
    Item.objects.bulk_create(
        Item(
            version=draft,
            order=item.order,
            text=item.text,
            reverse_scored=item.reverse_scored,
            area=item.area,
        )
        for item in source.items.all()
    )
    Threshold.objects.bulk_create(
        Threshold(version=draft, value=threshold.value, meaning=threshold.meaning)
        for threshold in source.thresholds.all()
    )
    return draft


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InstrumentImportError(message)


def _whole_number(value, what: str) -> int:
    whole = isinstance(value, int) and not isinstance(value, bool)
    _require(whole, f"{what} must be a whole number.")
    return value


def _parse_scale(scale) -> tuple[int, int, list[str]]:
    _require(isinstance(scale, dict), "The file needs a “scale” with “min”, “max” and “labels”.")
    low = _whole_number(scale.get("min"), "The scale’s “min”")
    high = _whole_number(scale.get("max"), "The scale’s “max”")
    _require(high > low, "The scale’s “max” must be above its “min”.")
    _require(high - low + 1 <= MAX_SCALE_POINTS, f"A scale has at most {MAX_SCALE_POINTS} answers.")
    labels = scale.get("labels", [])
    _require(
        isinstance(labels, list)
        and all(isinstance(label, str) and label.strip() for label in labels),
        "The scale’s “labels” must be a list of words, one per answer.",
    )
    _require(
        len(labels) == high - low + 1,
        f"The scale from {low} to {high} has {high - low + 1} answers, "
        f"so it needs {high - low + 1} labels (it has {len(labels)}).",
    )
    return low, high, [label.strip()[:60] for label in labels]


def _parse_items(items) -> list[Item]:
    _require(isinstance(items, list) and items, "The file needs “items”: a list of statements.")
    _require(len(items) <= MAX_ITEMS, f"An instrument has at most {MAX_ITEMS} statements.")
    parsed = []
    for number, item in enumerate(items, start=1):
        _require(isinstance(item, dict), f"Statement {number} must be an object with “text”.")
        text = item.get("text")
        _require(
            isinstance(text, str) and text.strip() and len(text) <= 300,
            f"Statement {number} needs a “text” of up to 300 characters.",
        )
        area = item.get("area", "") or ""
        _require(
            area == "" or area in Area.values,
            f"Statement {number}: “area” must be one of {', '.join(Area.values)}, or left out.",
        )
        reverse = item.get("reverse_scored", False)
        _require(
            isinstance(reverse, bool), f"Statement {number}: “reverse_scored” is true or false."
        )
        parsed.append(Item(order=number, text=text.strip(), area=area, reverse_scored=reverse))
    return parsed


def _parse_thresholds(thresholds, *, low: int, high: int) -> list[Threshold]:
    _require(isinstance(thresholds, list), "“thresholds” must be a list.")
    parsed = []
    for number, threshold in enumerate(thresholds, start=1):
        _require(isinstance(threshold, dict), f"Threshold {number} needs “value” and “meaning”.")
        value = _whole_number(threshold.get("value"), f"Threshold {number}’s “value”")
        meaning = threshold.get("meaning")
        _require(
            isinstance(meaning, str) and meaning.strip(),
            f"Threshold {number} needs a “meaning”.",
        )
        _require(low <= value <= high, f"Threshold {number} ({value}) is outside {low}–{high}.")
        parsed.append(Threshold(value=value, meaning=meaning.strip()[:200]))
    return parsed


@transaction.atomic
def instrument_import(*, data) -> InstrumentVersion:
    """Create an instrument and its first version (a draft) from the documented JSON shape.

    Everything is checked before anything is saved, and the whole import is one
    transaction: a bad file leaves nothing behind.
    """
    _require(isinstance(data, dict), "The file must hold one JSON object.")
    name = data.get("name")
    _require(
        isinstance(name, str) and name.strip() and len(name) <= 120,
        "The file needs a “name” of up to 120 characters.",
    )
    name = name.strip()
    _require(
        not Instrument.objects.filter(name__iexact=name).exists(),
        f"An instrument called “{name}” already exists. "
        "To change it, make a new version of it in the admin.",
    )
    citation = data.get("citation", "")
    _require(isinstance(citation, str), "“citation” must be text.")
    validated = data.get("validated", False)
    _require(isinstance(validated, bool), "“validated” is true or false.")
    cadence = data.get("cadence_days", 90)
    _whole_number(cadence, "“cadence_days”")
    _require(7 <= cadence <= 730, "“cadence_days” must be between 7 and 730.")
    intro = data.get("intro", "")
    _require(isinstance(intro, str), "“intro” must be text.")
    low, high, labels = _parse_scale(data.get("scale"))
    items = _parse_items(data.get("items"))
    thresholds = _parse_thresholds(
        data.get("thresholds", []), low=low * len(items), high=high * len(items)
    )
    try:
        with transaction.atomic():
            instrument = Instrument.objects.create(
                name=name, citation=citation.strip(), validated=validated, cadence_days=cadence
            )
    except IntegrityError as error:
        raise InstrumentImportError(f"An instrument called “{name}” already exists.") from error
    version = InstrumentVersion.objects.create(
        instrument=instrument,
        number=1,
        intro=intro.strip(),
        scale_min=low,
        scale_max=high,
        scale_labels=labels,
    )
    for item in items:
        item.version = version
    Item.objects.bulk_create(items)
    for threshold in thresholds:
        threshold.version = version
    Threshold.objects.bulk_create(thresholds)
    return version
