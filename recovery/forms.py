"""The recovery check as a form: one group of radio buttons per statement."""

import uuid

from django import forms

from .models import InstrumentVersion

NOT_NOW = "not_now"


def field_name(item) -> str:
    return f"item_{item.pk}"


class RecoveryCheckForm(forms.Form):
    """Every statement of a version, answered on its scale, with an idempotency token."""

    token = forms.CharField(widget=forms.HiddenInput, min_length=8, max_length=64)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, version: InstrumentVersion, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("token", uuid.uuid4().hex)
        kwargs["initial"].setdefault("version", version.pk)
        super().__init__(*args, **kwargs)
        choices = [(str(value), label) for value, label in version.scale]
        self.items = list(version.items.all())
        for item in self.items:
            self.fields[field_name(item)] = forms.TypedChoiceField(
                label=item.text,
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Please choose an answer for this statement.",
                    "invalid_choice": "Please choose one of the answers.",
                },
            )

    def answers(self) -> dict[int, int]:
        return {item.pk: self.cleaned_data[field_name(item)] for item in self.items}
