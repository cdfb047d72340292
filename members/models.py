"""Members: the login account, the recovery profile and the lived-experience taxonomy.

A `User` is only an email and a password. Everything about a person's recovery
lives on `Member`, so the account can be anonymised without losing the shape
of the programme's data.
"""

import datetime
import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Email is the username; no legal name is ever asked for."""

    email = models.EmailField("email address", unique=True)
    is_staff = models.BooleanField(
        "staff", default=False, help_text="Can log in to the staff admin."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_case_insensitive_unique")
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.email

    def get_short_name(self):
        return self.email


class Language(models.Model):
    """A language members can talk in; matching requires one in common."""

    code = models.CharField(max_length=12, primary_key=True, help_text="BCP 47 code, e.g. 'es'.")
    name = models.CharField(max_length=60, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class TagCategory(models.TextChoices):
    PATHWAY = "pathway", "Recovery pathway"
    SUBSTANCE = "substance", "Substance"
    LIFE_SITUATION = "life_situation", "Life situation"
    COMMUNITY = "community", "Community and identity"


class Tag(models.Model):
    """One entry of the curated lived-experience taxonomy that staff manage."""

    category = models.CharField(max_length=20, choices=TagCategory.choices)
    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=200, blank=True)
    peer_phrase = models.CharField(
        max_length=120,
        blank=True,
        help_text='How a shared tag is explained to a newcomer, e.g. "You\'re both parents".',
    )
    is_active = models.BooleanField(
        default=True, help_text="Inactive tags are kept on profiles but no longer offered."
    )
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["category", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "name"], name="tag_unique_name_per_category"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_category_display()})"


class Role(models.TextChoices):
    NEWCOMER = "newcomer", "Newcomer looking for a peer"
    MENTOR = "mentor", "Peer mentor"


class RecoveryGoal(models.TextChoices):
    ABSTINENCE = "abstinence", "Not using at all (abstinence)"
    REDUCING_HARM = "reducing_harm", "Reducing harm (using less, or more safely)"
    NOT_SURE = "not_sure", "Not sure yet"


class Gender(models.TextChoices):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NON_BINARY = "non_binary", "Non-binary"
    SELF_DESCRIBED = "self_described", "I describe it differently"


class VettingStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Not approved"


class DayPart(models.TextChoices):
    MORNING = "morning", "Morning (8–12)"
    AFTERNOON = "afternoon", "Afternoon (12–17)"
    EVENING = "evening", "Evening (17–21)"
    LATE = "late", "Late (21–24)"


WEEKDAYS = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
]
AVAILABILITY_SLOTS = [
    (f"{day}-{part.value}", f"{day_label} {part.label.lower()}")
    for day, day_label in WEEKDAYS
    for part in DayPart
]

# What a matched peer may see, each box saying exactly what it reveals.
# `members.visibility` applies them; nothing else decides what a peer sees.
SHARING_CATEGORIES = [
    ("share_display_name", "Your display name (otherwise you are “A peer”)"),
    ("share_pronouns", "Your pronouns"),
    ("share_gender", "Your gender"),
    (
        "share_gender_for_matching",
        "Mentors: use my gender for newcomers who prefer a mentor of a gender, even when "
        "it is not shown (a newcomer may work it out from who they are suggested)",
    ),
    ("share_age_range", "Your age range (e.g. 30s), never your year of birth"),
    (
        "share_time_in_recovery",
        "How long you have been in recovery, as a range (e.g. 2 to 5 years), never a date",
    ),
    ("share_pathways", "Your recovery pathways"),
    ("share_substances", "Substances you have experience with"),
    ("share_life_situation", "Your life situation tags"),
    ("share_community", "Community and identity tags"),
    ("share_languages", "Languages you speak"),
    ("share_bio", "Your short bio"),
    (
        "share_recovery_goal",
        "Your recovery goal right now (for example reducing harm), "
        "shown with a request and once a match is accepted",
    ),
    ("share_availability", "When you are usually available"),
    (
        "share_contact",
        "Your contact details (the phone/app text you enter below), "
        "shown only once a match is accepted",
    ),
    (
        "share_email",
        "Your sign-in email address (off unless you tick it), shown only once a match is accepted",
    ),
]


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(
        name for name in zoneinfo.available_timezones() if "/" in name and "Etc/" not in name
    )
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("“%(value)s” is not a time zone we know.", params={"value": value})


def validate_not_in_future(value: datetime.date) -> None:
    if value > timezone.localdate():
        raise ValidationError("This date is in the future.")


def validate_availability(value) -> None:
    known = {code for code, _ in AVAILABILITY_SLOTS}
    if not isinstance(value, list) or not all(isinstance(slot, str) for slot in value):
        raise ValidationError("Availability must be a list of weekly time slots.")
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValidationError("Unknown time slots: %(slots)s", params={"slots": ", ".join(unknown)})


class Member(models.Model):
    """A person's recovery profile: a newcomer or a peer mentor."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    display_name = models.CharField(
        max_length=60, help_text="A first name or an alias. No legal name needed."
    )
    pronouns = models.CharField(max_length=40, blank=True)
    gender = models.CharField(max_length=20, choices=Gender.choices, blank=True)
    gender_self_description = models.CharField(max_length=60, blank=True)
    birth_year = models.PositiveSmallIntegerField()
    languages = models.ManyToManyField(Language, related_name="members", blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    availability = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_availability],
        help_text="Weekly slots in the member's own time zone, e.g. 'mon-evening'.",
    )
    recovery_goal = models.CharField(
        max_length=20, choices=RecoveryGoal.choices, default=RecoveryGoal.NOT_SURE
    )
    recovery_start_date = models.DateField(
        null=True,
        blank=True,
        validators=[validate_not_in_future],
        help_text="Optional for newcomers, required for mentors. Never shown as a counter.",
    )
    bio = models.TextField(max_length=600, blank=True)
    tags = models.ManyToManyField(Tag, related_name="members", blank=True)
    preferred_mentor_genders = models.JSONField(
        default=list, blank=True, help_text="Empty means no preference."
    )
    contact_details = models.CharField(
        max_length=200,
        blank=True,
        help_text=(
            "How a matched peer can reach you (phone, messaging app). "
            "Shared only after a match is accepted."
        ),
    )
    last_active_at = models.DateTimeField(null=True, blank=True)
    # When a newcomer last changed what matching reads of them (see
    # MATCHING_INPUTS): a few changes a day, so suggestions cannot be bisected.
    matching_inputs_changed_at = models.JSONField(default=list, blank=True)
    message_emails = models.BooleanField(
        "email me when my peer writes",
        default=True,
        help_text="At most one email per conversation every half hour, never the message itself.",
    )

    # Mentor-only fields.
    capacity = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="How many newcomers this mentor can support at once (1–10).",
    )
    is_paused = models.BooleanField(
        "paused", default=False, help_text="A paused mentor gets no new requests."
    )
    open_to_harm_reduction = models.BooleanField(
        default=False, help_text="Open to supporting a newcomer whose goal is reducing harm."
    )
    vetting_status = models.CharField(
        max_length=10, choices=VettingStatus.choices, default=VettingStatus.PENDING
    )
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    vetted_at = models.DateTimeField(null=True, blank=True)
    training_note = models.TextField(
        blank=True, help_text="Peer-support training or certification, if any."
    )
    vetted_recovery_start_date = models.DateField(
        null=True,
        blank=True,
        help_text="The recovery start date staff approved; moving far from it asks for review.",
    )

    # What a matched peer may see (see SHARING_CATEGORIES).
    share_display_name = models.BooleanField(default=True)
    share_pronouns = models.BooleanField(default=False)
    share_gender = models.BooleanField(default=False)
    share_gender_for_matching = models.BooleanField(default=False)
    share_age_range = models.BooleanField(default=False)
    share_time_in_recovery = models.BooleanField(default=False)
    share_pathways = models.BooleanField(default=True)
    share_substances = models.BooleanField(default=False)
    share_life_situation = models.BooleanField(default=True)
    share_community = models.BooleanField(default=False)
    share_languages = models.BooleanField(default=True)
    share_bio = models.BooleanField(default=False)
    share_recovery_goal = models.BooleanField(default=False)
    share_availability = models.BooleanField(default=False)
    share_contact = models.BooleanField(default=True)
    share_email = models.BooleanField(default=False)

    # Set when a member presses "I need help now" or staff raise a concern:
    # nobody is matched automatically until staff clear it.
    held_for_review = models.BooleanField(
        default=False, help_text="Held out of automatic matching until staff review it."
    )
    held_at = models.DateTimeField(null=True, blank=True)

    # Set when the member deletes their account: the row stays, anonymised, so
    # that matches and audit rows keep their ids; nothing lists it again.
    deleted_at = models.DateTimeField(null=True, blank=True)

    onboarding_step = models.PositiveSmallIntegerField(
        default=0, help_text="Number of onboarding steps completed."
    )
    onboarded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["role", "vetting_status", "is_paused"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1, capacity__lte=10),
                name="member_capacity_1_to_10",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="member_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(birth_year__gte=1900), name="member_birth_year_plausible"
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.get_role_display()})"

    @property
    def is_mentor(self) -> bool:
        return self.role == Role.MENTOR

    @property
    def is_newcomer(self) -> bool:
        return self.role == Role.NEWCOMER

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_onboarded(self) -> bool:
        return self.onboarded_at is not None

    def months_in_recovery(self, today: datetime.date | None = None) -> int:
        """Return whole months since recovery started; 0 without a date ("at the start")."""
        if self.recovery_start_date is None:
            return 0
        today = today or timezone.localdate()
        start = self.recovery_start_date
        months = (today.year - start.year) * 12 + today.month - start.month
        if today.day < start.day:
            months -= 1
        return max(months, 0)

    def age_in(self, year: int) -> int:
        return year - self.birth_year

    def age_range(self) -> str:
        age = self.age_in(timezone.localdate().year)
        return f"{(age // 10) * 10}s"

    def tags_in(self, category: str) -> list[Tag]:
        """Return this member's tags of one category (uses prefetched tags)."""
        return [tag for tag in self.tags.all() if tag.category == category]

    def time_zone_name(self) -> str:
        """Return the member's time zone, or "UTC" when it is missing or unknown here."""
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError, OSError):
            # OSError: a folder such as "America" is a path but not a zone.
            return "UTC"
        return self.time_zone

    def availability_labels(self) -> list[str]:
        labels = dict(AVAILABILITY_SLOTS)
        return [labels[slot] for slot, _ in AVAILABILITY_SLOTS if slot in self.availability]


class ConsentSource(models.TextChoices):
    SIGN_UP = "sign-up", "During sign-up"
    PROFILE = "profile", "Profile edit"
    STEPS = "steps", "My steps"


# Consent that is not a box on the member's profile: each of "My steps" is
# shared with the current peer step by step, and each choice is recorded
# under this one category (the step's own row says which is shared now).
STEP_CONSENT_CATEGORY = "share_step"
CONSENT_CATEGORIES = [
    *SHARING_CATEGORIES,
    (STEP_CONSENT_CATEGORY, "One of your steps, shared with your current peer"),
]


class ConsentRecord(models.Model):
    """One sharing choice a member made: append-only, never changed or deleted
    through the app. The `share_*` flags on `Member` stay what decides what a
    peer sees; these rows record when each was granted or revoked."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consent_records")
    category = models.CharField(max_length=40, choices=CONSENT_CATEGORIES)
    granted = models.BooleanField()
    source = models.CharField(max_length=10, choices=ConsentSource.choices)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["member", "recorded_at", "pk"]
        indexes = [models.Index(fields=["member", "category", "recorded_at"])]

    def __str__(self):
        return f"{self.get_category_display()}: {'granted' if self.granted else 'revoked'}"
