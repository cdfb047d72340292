from django import forms

from members.models import Member


class PauseForm(forms.ModelForm):
    """The mentor's pause switch: the same field as on the profile's availability page."""

    class Meta:
        model = Member
        fields = ["is_paused"]
