from django import forms

from .models import CheckIn


class CheckInForm(forms.ModelForm):
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
            "connected": "Did you connect since last time?",
            "concern": "There is something staff should know",
            "note": "Anything to add? (only staff see this)",
        }
        widgets = {
            "connected": forms.RadioSelect,
            "note": forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        }
