"""Forms for onboarding, profile editing and deleting an account.

Each onboarding step is one small form; the profile page and the API's profile
update (`services.member_profile_update`) edit the same sections with the same
forms, so validation lives in exactly one place. The sign-in and sign-up forms
are in `account_forms`.
"""

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone

from peerlink.ids import ModelMultipleIdField

from .models import (
    AVAILABILITY_SLOTS,
    SHARING_CATEGORIES,
    Gender,
    Language,
    Member,
    Tag,
    TagCategory,
    time_zone_choices,
)
from .selectors import MATCHING_INPUTS, matching_input_changes_left
from .validators import TRAINING_NOTE_MAX, validate_display_name


def validate_birth_year(birth_year: int) -> None:
    today = timezone.localdate()
    minimum_age = settings.PEERLINK_MINIMUM_AGE
    if birth_year > today.year - minimum_age:
        raise forms.ValidationError(
            f"PeerLink is for people aged {minimum_age} and over.", code="too_young"
        )
    if birth_year < today.year - 110:
        raise forms.ValidationError("Please check the year.", code="implausible")


def matching_inputs_limit_message() -> str:
    limit = settings.PEERLINK_MATCHING_INPUT_CHANGES_PER_DAY
    times = "once" if limit == 1 else "twice" if limit == 2 else f"{limit} times"
    return (
        f"You can change your recovery start date and mentor preference {times} a day, "
        "so that nobody can work out what a mentor keeps private by trying one answer "
        "after another. Please try again tomorrow."
    )


class MatchingInputsLimitMixin:
    """Refuse a newcomer's change of what matching reads of them once they have made
    today's few (see members.selectors.matching_input_changes_left)."""

    def clean(self):
        cleaned_data = super().clean()
        changed = [name for name in MATCHING_INPUTS if name in self.changed_data]
        if changed and matching_input_changes_left(self.instance) == 0:
            for name in changed:
                self.add_error(name, matching_inputs_limit_message())
        return cleaned_data


class TagChoiceField(ModelMultipleIdField):
    """Tags of one category: each is named alone, as the field already names the category."""

    def label_from_instance(self, obj):
        return obj.name


class TagsByCategoryMixin:
    """Edit the member's tags one category at a time.

    Each category gets its own field limited to that category's active tags,
    so a tampered id from another category is refused with a field error.
    """

    tag_fields: dict[str, str] = {}

    def init_tag_fields(self):
        member = self.instance
        current = set(member.tags.values_list("pk", flat=True)) if member.pk else set()
        for field_name, category in self.tag_fields.items():
            queryset = Tag.objects.filter(category=category, is_active=True)
            self.fields[field_name] = TagChoiceField(
                queryset=queryset,
                required=False,
                label=self.tag_labels.get(field_name, TagCategory(category).label),
                widget=forms.CheckboxSelectMultiple,
            )
            self.initial.setdefault(field_name, [tag.pk for tag in queryset if tag.pk in current])

    def save_tags(self, member):
        categories = list(self.tag_fields.values())
        kept = list(member.tags.exclude(category__in=categories))
        chosen = [tag for name in self.tag_fields for tag in self.cleaned_data[name]]
        member.tags.set(kept + chosen)


class AboutForm(forms.ModelForm):
    languages = forms.ModelMultipleChoiceField(
        queryset=Language.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label="Languages you can talk in",
        error_messages={"required": "Choose at least one language."},
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        label="Your time zone",
        help_text="So reminders reach you at a sensible hour.",
    )

    class Meta:
        model = Member
        fields = [
            "display_name",
            "pronouns",
            "gender",
            "gender_self_description",
            "birth_year",
            "languages",
            "time_zone",
        ]
        labels = {
            "display_name": "What should we call you?",
            "pronouns": "Pronouns (optional)",
            "gender": "Gender (optional)",
            "gender_self_description": "In your own words (optional)",
            "birth_year": "Year you were born",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gender"].choices = [("", "Prefer not to say"), *Gender.choices]
        if not self.is_bound and self.initial.get("time_zone", "UTC") == "UTC":
            # Nobody has chosen a zone yet (UTC is the default): static/js/timezone.js
            # preselects the browser's and says so next to the field.
            self.fields["time_zone"].widget.attrs["data-guess-time-zone"] = "true"

    def clean_display_name(self):
        display_name = self.cleaned_data["display_name"]
        validate_display_name(display_name)
        return display_name

    def clean_birth_year(self):
        birth_year = self.cleaned_data["birth_year"]
        validate_birth_year(birth_year)
        return birth_year


class OnboardingAboutForm(AboutForm):
    """The first onboarding step, without asking again what sign-up already asked.

    The name and birth year stay editable on the profile (AboutForm).
    """

    asked_at_sign_up = ("display_name", "birth_year")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.asked_at_sign_up:
            if getattr(self.instance, name, None):
                del self.fields[name]


class RecoveryForm(MatchingInputsLimitMixin, TagsByCategoryMixin, forms.ModelForm):
    tag_fields = {"pathways": TagCategory.PATHWAY, "substances": TagCategory.SUBSTANCE}
    tag_labels = {
        "pathways": "Which pathways are part of your recovery? Choose any.",
        "substances": "Substances you have experience with (optional)",
    }

    class Meta:
        model = Member
        fields = ["recovery_goal", "recovery_start_date", "open_to_harm_reduction"]
        labels = {
            "recovery_goal": "What is your goal right now?",
            "recovery_start_date": "When did your recovery start? (optional)",
            "open_to_harm_reduction": "I am open to supporting someone whose goal is reducing harm",
        }
        widgets = {
            "recovery_goal": forms.RadioSelect,
            "recovery_start_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_tag_fields()
        date_field = self.fields["recovery_start_date"]
        date_field.widget.attrs["max"] = timezone.localdate().isoformat()
        if self.instance.is_mentor:
            date_field.required = True
            date_field.label = "When did your recovery start?"
            date_field.help_text = (
                "Used to match you with people a few steps behind you. Never shown as a "
                "counter. Once staff approve you, moving it by more than a month sends your "
                "profile back to them for review."
            )
            self.fields["recovery_goal"].label = "How would you describe your own recovery?"
        else:
            del self.fields["open_to_harm_reduction"]
            date_field.help_text = (
                "Leave it empty if you prefer. It is never shown as a counter. "
                "You can change it a few times a day."
            )


class ExperienceForm(MatchingInputsLimitMixin, TagsByCategoryMixin, forms.ModelForm):
    tag_fields = {"life_situation": TagCategory.LIFE_SITUATION, "community": TagCategory.COMMUNITY}
    tag_labels = {
        "life_situation": "Parts of your life a peer might share (optional)",
        "community": "Communities you belong to (optional)",
    }
    preferred_mentor_genders = forms.MultipleChoiceField(
        choices=[(g.value, g.label) for g in Gender if g != Gender.SELF_DESCRIBED],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="I would prefer a peer mentor who is (leave empty for no preference)",
        help_text=(
            "Only mentors who show their gender, or let it be used for this, are suggested "
            "when you choose one."
        ),
    )

    class Meta:
        model = Member
        fields = ["bio", "preferred_mentor_genders"]
        labels = {"bio": "A few words about you (optional)"}
        widgets = {"bio": forms.Textarea(attrs={"rows": 4, "maxlength": 600})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_tag_fields()
        if self.instance.is_mentor:
            del self.fields["preferred_mentor_genders"]
            self.fields["bio"].help_text = "Newcomers read this when they choose a peer."


class AvailabilityForm(forms.ModelForm):
    availability = forms.MultipleChoiceField(
        choices=AVAILABILITY_SLOTS,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "slot-grid"}),
        label="When are you usually free to talk? (in your own time zone)",
    )

    class Meta:
        model = Member
        fields = ["availability", "capacity", "is_paused", "training_note", "message_emails"]
        labels = {
            "message_emails": "Email me when my peer writes",
            "capacity": "How many newcomers can you support at once? (1–10)",
            "is_paused": "Pause new requests for now",
            "training_note": "Peer-support training or certification (optional)",
        }
        widgets = {
            "capacity": forms.NumberInput(attrs={"min": 1, "max": 10, "inputmode": "numeric"}),
            "training_note": forms.Textarea(attrs={"rows": 2, "maxlength": TRAINING_NOTE_MAX}),
        }
        help_texts = {
            "message_emails": (
                "At most one email per conversation every half hour, outside quiet hours, "
                "and never the message itself."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.is_mentor:
            for name in ("capacity", "is_paused", "training_note"):
                del self.fields[name]

    def clean_training_note(self):
        note = self.cleaned_data["training_note"]
        if len(note) > TRAINING_NOTE_MAX:
            raise forms.ValidationError(
                f"Please keep this under {TRAINING_NOTE_MAX:,} characters (it has {len(note):,})."
            )
        return note

    def clean_availability(self):
        chosen = set(self.cleaned_data["availability"])
        return [slot for slot, _ in AVAILABILITY_SLOTS if slot in chosen]


class SharingForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = [name for name, _ in SHARING_CATEGORIES] + ["contact_details"]
        labels = dict(SHARING_CATEGORIES) | {"contact_details": "How can a matched peer reach you?"}
        help_texts = {
            "contact_details": (
                "Only this text is shared when you tick “Your contact details”, "
                "never your sign-in email."
            )
        }
        widgets = {"contact_details": forms.TextInput(attrs={"placeholder": "e.g. text me on …"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.is_mentor:
            # Only a mentor's gender meets a preference.
            del self.fields["share_gender_for_matching"]


ONBOARDING_SECTIONS = [
    ("about", "About you", AboutForm),
    ("recovery", "Your recovery", RecoveryForm),
    ("experience", "Your experience", ExperienceForm),
    ("availability", "Your time", AvailabilityForm),
    ("sharing", "What a peer may see", SharingForm),
]
SECTION_FORMS = {slug: form for slug, _, form in ONBOARDING_SECTIONS}
SECTION_TITLES = {slug: title for slug, title, _ in ONBOARDING_SECTIONS}
# Onboarding uses the profile's forms, except where sign-up already asked.
ONBOARDING_FORMS = SECTION_FORMS | {"about": OnboardingAboutForm}


class DeleteAccountForm(forms.Form):
    """Ask for the member's password once more before their account is deleted.

    The password is checked like a sign-in, so failed guesses count towards
    the same lockout.
    """

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="We ask once more so that nobody else can do this for you.",
    )

    def __init__(self, *args, request, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = self.request.user
        signed_in = authenticate(self.request, email=user.email, password=password)
        if signed_in is None or signed_in.pk != user.pk:
            raise forms.ValidationError("That is not your password. Please try again.")
        return password


def profile_field_sections(member: Member) -> dict[str, str]:
    """Every profile field this member can edit, and the section whose form edits it."""
    return {
        name: slug
        for slug, form_class in SECTION_FORMS.items()
        for name in form_class(instance=member).fields
    }


def bind_profile_changes(member: Member, section: str, changes: dict):
    """The section's form bound to the member's current answers with `changes` applied,
    as if the member had changed those fields on the profile page and pressed Save."""
    unbound = SECTION_FORMS[section](instance=member)
    data = {}
    for name, field in unbound.fields.items():
        value = changes[name] if name in changes else unbound.get_initial_for_field(field, name)
        if isinstance(value, list | tuple) or hasattr(value, "all"):
            value = [getattr(item, "pk", item) for item in value]
        data[name] = value
    return SECTION_FORMS[section](data, instance=member)
