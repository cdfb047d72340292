"""The period a report covers, chosen by GET: the last 4, 12, 26 or 52 weeks, or from a
start to an end date. The dashboard, the summary, the CSV and the API all read it here."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from .periods import DEFAULT_WEEKS, MAX_DAYS, PERIOD_WEEKS, Period

EXPORT_KINDS = [("matches", "One row per match"), ("answers", "One row per recovery-check answer")]


class PeriodForm(forms.Form):
    weeks = forms.TypedChoiceField(
        label="Last",
        choices=[(weeks, f"{weeks} weeks") for weeks in PERIOD_WEEKS],
        coerce=int,
        required=False,
    )
    start = forms.DateField(
        label="or from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, *, today: datetime.date | None = None, **kwargs):
        # Only the period's own fields: other parameters (kind, reason) are not ours.
        # The weeks shown default to the default period; a start and end replace them.
        if data is not None:
            data = {name: data.get(name) for name in ("weeks", "start", "end") if data.get(name)}
            data.setdefault("weeks", str(DEFAULT_WEEKS))
        super().__init__(data, **kwargs)
        self.today = today or timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            return cleaned
        if (start is None) != (end is None):
            missing = "end" if end is None else "start"
            self.add_error(missing, "Give both a start and an end date, or neither.")
        elif start and end:
            if end > self.today:
                self.add_error("end", "The end date cannot be in the future.")
            elif start > end:
                self.add_error("start", "The start date must be on or before the end date.")
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("start", "Choose a period of at most three years.")
        return cleaned

    @property
    def period(self) -> Period:
        """The chosen period: the default twelve weeks until the form is valid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("start") and data.get("end"):
            return Period(data["start"], data["end"])
        return Period.last_weeks(data.get("weeks") or DEFAULT_WEEKS, self.today)


class ExportForm(PeriodForm):
    kind = forms.ChoiceField(choices=EXPORT_KINDS, required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        if data is not None:
            self.data = {**self.data, **({"kind": data["kind"]} if data.get("kind") else {})}

    @property
    def export_kind(self) -> str:
        return (self.cleaned_data.get("kind") if self.is_valid() else "") or "matches"
