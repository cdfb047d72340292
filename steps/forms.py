from django import forms

from .models import STEP_TEXT_MAX, Answer

# Starting points, in the member's voice; a chip copies one into the text box.
EXAMPLES = [
    "Have a drink on fewer nights this week than last",
    "Never drive after I've had a drink: keep a taxi number in my phone",
    "Not use on top of my prescribed medication",
    "Go to a meeting twice this week",
    "Call my peer before an evening I know will be hard",
]


class StepForm(forms.Form):
    text = forms.CharField(
        label="Your step, in your own words",
        # The browser may stop at the limit; the server says so clearly either way.
        max_length=None,
        error_messages={"required": "Write your step in a few words."},
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": STEP_TEXT_MAX}),
        help_text=f"Something small and yours, up to {STEP_TEXT_MAX} characters.",
    )
    shared = forms.BooleanField(
        label="Share this step with my peer",
        required=False,
        help_text=(
            "Off unless you tick it. Your peer sees only the words, "
            "and you can stop sharing any time."
        ),
    )


class StepTextForm(forms.Form):
    text = StepForm.base_fields["text"]


class StepAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label="How did it go?",
        choices=Answer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it went."},
    )
