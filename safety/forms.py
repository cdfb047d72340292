from django import forms

from .services import HOW_TO_CONTACT_MAX


class HelpNowForm(forms.Form):
    may_contact = forms.TypedChoiceField(
        label="May our staff contact you?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    how_to_contact = forms.CharField(
        label="How should we contact you?",
        help_text="Optional, e.g. “text me at…” or “call after 6pm”.",
        max_length=HOW_TO_CONTACT_MAX,
        required=False,
    )
