from django import forms


class PersonalTokenForm(forms.Form):
    name = forms.CharField(
        label="What is it for?",
        max_length=60,
        help_text="A name you will recognise, e.g. “my phone” or “my notes app”.",
    )
