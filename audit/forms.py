from django import forms

from .models import ReadReason


class StaffReadReasonForm(forms.Form):
    """Asked before a member's record opens in the admin."""

    MARKER = "_audit_reason_form"

    reason = forms.ChoiceField(
        label="Why are you opening this record?",
        choices=ReadReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you are opening this record."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="audit", **kwargs)
