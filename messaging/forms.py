from django import forms

from .models import MESSAGE_MAX


class MessageForm(forms.Form):
    text = forms.CharField(
        max_length=MESSAGE_MAX,
        label="Your message",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX}),
        error_messages={
            "required": "Write a message first.",
            "max_length": f"Please keep your message under {MESSAGE_MAX:,} characters.",
        },
    )
