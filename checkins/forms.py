from django import forms

from .models import CheckIn, Connected


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
