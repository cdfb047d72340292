from django import forms

from .models import DeclineReason

RANK_CHOICES = [("", "—"), ("1", "1st"), ("2", "2nd"), ("3", "3rd")]


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        choices=DeclineReason.choices, widget=forms.RadioSelect, label="Why can't you take this on?"
    )
    note = forms.CharField(
        required=False,
        max_length=300,
        label="Anything to add for our staff? (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EndForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        label="Why are you ending this match?",
        help_text="A few words are enough. Staff see this; your peer sees that the match ended.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RankForm(forms.Form):
    """Rank up to three suggested mentors; the first is asked first."""

    def __init__(self, *args, mentor_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.mentor_ids = mentor_ids
        for mentor_id in mentor_ids:
            self.fields[f"rank_{mentor_id}"] = forms.ChoiceField(
                choices=RANK_CHOICES, required=False, label="Your choice"
            )

    def clean(self):
        cleaned = super().clean()
        ranked = {}
        for mentor_id in self.mentor_ids:
            rank = cleaned.get(f"rank_{mentor_id}")
            if rank:
                if rank in ranked:
                    raise forms.ValidationError("Give each choice a different number.")
                ranked[rank] = mentor_id
        if not ranked:
            raise forms.ValidationError("Rank at least one peer.")
        if "1" not in ranked:
            raise forms.ValidationError("Start your ranking with a 1st choice.")
        cleaned["ranked_mentor_ids"] = [ranked[rank] for rank in sorted(ranked)]
        return cleaned
