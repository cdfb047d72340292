from django import forms

from matching.models import REPORT_TEXT_MAX

from .services import CLEAR_NOTE_MAX, HOW_TO_CONTACT_MAX


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


class TellStaffForm(forms.Form):
    include_message = forms.BooleanField(
        label="Include the message, so staff can read it", required=False
    )


class ClearHoldForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        help_text="Required. Kept with the hold, with your name and the time.",
        max_length=CLEAR_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write what was done: the note is kept with the hold."},
    )


class BlockForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="Anything staff should know? (optional)",
        help_text="Only staff see this. Your peer is not told that you blocked them.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReportForm(forms.Form):
    text = forms.CharField(
        max_length=REPORT_TEXT_MAX,
        label="What happened?",
        help_text="A few sentences are enough. Only staff see this; your peer is not told.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class MessageReportForm(forms.Form):
    text = forms.CharField(
        required=False,
        max_length=REPORT_TEXT_MAX,
        label="Anything you'd like to add? (optional)",
        help_text="Only staff see this; your peer is not told.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
