"""allauth's sign-up, sign-in and password forms, in PeerLink's words.

Sign-up creates the member's profile through `services.member_create`.
"""

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from . import services
from .forms import validate_birth_year
from .models import Role
from .validators import validate_display_name


class SignupForm(AllauthSignupForm):
    """Sign-up: an email, a password, a role and a name to be called by."""

    role = forms.ChoiceField(
        label="I am here to",
        choices=[
            (Role.NEWCOMER, "Find a peer who is a few steps ahead"),
            (Role.MENTOR, "Become a peer mentor"),
        ],
        widget=forms.RadioSelect,
    )
    display_name = forms.CharField(
        label="What should we call you?",
        max_length=60,
        help_text="A first name or an alias is fine. We never ask for your legal name.",
        validators=[validate_display_name],
    )
    birth_year = forms.IntegerField(label="Year you were born", min_value=1900)
    is_adult = forms.BooleanField(label="I confirm I am 18 or older", required=True)

    field_order = [
        "role",
        "display_name",
        "birth_year",
        "is_adult",
        "email",
        "password1",
        "password2",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        minimum_age = settings.PEERLINK_MINIMUM_AGE
        self.fields["is_adult"].label = f"I confirm I am {minimum_age} or older"
        self.fields["birth_year"].widget.attrs.update({"inputmode": "numeric"})
        self.fields[
            "email"
        ].help_text = (
            "Used to sign in and for reminders. Never shown to peers without your consent."
        )
        self.fields["email"].label = "Your email"
        self.fields["password1"].label = "Choose a password"
        self.fields["password2"].label = "Type the password again"

    def clean_birth_year(self):
        birth_year = self.cleaned_data["birth_year"]
        validate_birth_year(birth_year)
        return birth_year

    def save(self, request):
        with transaction.atomic():
            user = super().save(request)
            services.member_create(
                user=user,
                role=self.cleaned_data["role"],
                display_name=self.cleaned_data["display_name"],
                birth_year=self.cleaned_data["birth_year"],
            )
        return user

    def try_save(self, request):
        if self.account_already_exists:
            # A new account costs a password hash; so does a taken address,
            # or the time the answer takes would tell the two apart.
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


class LoginForm(AllauthLoginForm):
    """allauth's sign-in, in PeerLink's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Your email"
        self.fields["password"].label = "Your password"
        self.fields["remember"].label = "Keep me signed in on this device"


class NewPasswordLabelsMixin:
    """Labels for choosing a new password, in PeerLink's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "New password"
        self.fields["password2"].label = "Type the new password again"


class ChangePasswordForm(NewPasswordLabelsMixin, AllauthChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].label = "Your current password"


class ResetPasswordForm(AllauthResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Your email"


class ResetPasswordKeyForm(NewPasswordLabelsMixin, AllauthResetPasswordKeyForm):
    pass
