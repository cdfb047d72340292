from django import forms

from steps.models import ACTIVE_STEPS_MAX, Answer
from steps.services import StepError, clean_text

from .models import CheckIn, Connected

STEP_FIELD_PREFIX = "step_"


class CheckInForm(forms.ModelForm):
    # Three plain answers and no preselected blank: a check-in is one tap.
    connected = forms.ChoiceField(
        label="Did you connect since last time?",
        choices=Connected.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose one: yes, you tried, or not yet."},
    )
    rating = forms.TypedChoiceField(
        label="How is it going?",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "Rather not say"),
            (1, "1 · Not well"),
            (2, "2"),
            (3, "3 · OK"),
            (4, "4"),
            (5, "5 · Really well"),
        ],
    )

    class Meta:
        model = CheckIn
        fields = ["connected", "rating", "concern", "note"]
        labels = {
            "concern": "There is something staff should know",
            "note": "Anything to add?",
        }
        help_texts = {"note": "Only staff see this, never your peer."}
        widgets = {
            "note": forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        }

    def __init__(self, *args, steps=(), **kwargs):
        """`steps` are the author's active steps: each gets an optional "how did it go"."""
        super().__init__(*args, **kwargs)
        self.steps = list(steps)
        for step in self.steps:
            self.fields[f"{STEP_FIELD_PREFIX}{step.pk}"] = forms.ChoiceField(
                label=f"Your step: {step.text}",
                required=False,
                choices=[("", "Skip for now"), *Answer.choices],
                widget=forms.RadioSelect,
                help_text="Optional. “Not this week” is a fine answer.",
            )
        if self.steps:
            self.fields["retire_steps"] = forms.MultipleChoiceField(
                label="Retire a step you're done with (it stays in your history)",
                required=False,
                choices=[(str(step.pk), step.text) for step in self.steps],
                widget=forms.CheckboxSelectMultiple,
            )
        self.fields["new_step"] = forms.CharField(
            label="Add a step, in your own words",
            required=False,
            widget=forms.TextInput(attrs={"maxlength": 200}),
            help_text="Optional. Private unless you share it from My steps.",
        )

    def clean_new_step(self):
        text = self.cleaned_data.get("new_step", "")
        if not text.strip():
            return ""
        try:
            return clean_text(text)
        except StepError as error:
            raise forms.ValidationError(str(error)) from error

    def clean(self):
        cleaned = super().clean()
        retiring = len(cleaned.get("retire_steps") or [])
        if cleaned.get("new_step") and len(self.steps) - retiring >= ACTIVE_STEPS_MAX:
            self.add_error(
                "new_step",
                f"You can keep up to {ACTIVE_STEPS_MAX} steps at a time. "
                "Tick one to retire above to add this one.",
            )
        return cleaned

    def checkin_data(self) -> dict:
        """The check-in's own answers, for `checkin_record`, steps included."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["step_answers"] = {
            step.pk: self.cleaned_data[f"{STEP_FIELD_PREFIX}{step.pk}"]
            for step in self.steps
            if self.cleaned_data.get(f"{STEP_FIELD_PREFIX}{step.pk}")
        }
        data["retire_step_ids"] = [int(pk) for pk in self.cleaned_data.get("retire_steps") or []]
        data["new_step"] = self.cleaned_data.get("new_step", "")
        return data
