import uuid

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
    # One token per form shown: the same form sent twice (a double tap, a resend
    # after a lost connection) sends one message.
    token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"token": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)
