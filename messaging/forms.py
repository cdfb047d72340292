from django import forms

from matching.models import REPORT_TEXT_MAX


class MessageReportForm(forms.Form):
    text = forms.CharField(
        required=False,
        max_length=REPORT_TEXT_MAX,
        label="Anything you'd like to add? (optional)",
        help_text="Only staff see this; your peer is not told.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
