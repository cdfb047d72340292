"""What the API reads and writes. Types and shapes only: the rules live in the
forms and services the pages use."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from members.models import (
    AVAILABILITY_SLOTS,
    SHARING_CATEGORIES,
    Gender,
    Language,
    RecoveryGoal,
    Tag,
    TagCategory,
)

SHARING_FIELDS = [name for name, _ in SHARING_CATEGORIES]
TAG_FIELDS = {
    "pathways": TagCategory.PATHWAY,
    "substances": TagCategory.SUBSTANCE,
    "life_situation": TagCategory.LIFE_SITUATION,
    "community": TagCategory.COMMUNITY,
}
MENTOR_FIELDS = ["capacity", "is_paused", "open_to_harm_reduction", "training_note"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "slug", "name", "category", "description"]


class LanguageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Language
        fields = ["code", "name"]


def _tag_ids():
    return serializers.ListField(child=serializers.IntegerField(min_value=1))


class ProfileFields(serializers.Serializer):
    """The fields of the profile page's sections, under the same names."""

    # About you
    display_name = serializers.CharField(max_length=60)
    pronouns = serializers.CharField(max_length=40, allow_blank=True)
    gender = serializers.ChoiceField(choices=[("", "Prefer not to say"), *Gender.choices])
    gender_self_description = serializers.CharField(max_length=60, allow_blank=True)
    birth_year = serializers.IntegerField()
    languages = serializers.ListField(child=serializers.CharField(max_length=12))
    time_zone = serializers.CharField(max_length=64)
    # Your recovery
    recovery_goal = serializers.ChoiceField(choices=RecoveryGoal.choices)
    recovery_start_date = serializers.DateField(allow_null=True)
    pathways = _tag_ids()
    substances = _tag_ids()
    # Your experience
    bio = serializers.CharField(max_length=600, allow_blank=True)
    life_situation = _tag_ids()
    community = _tag_ids()
    preferred_mentor_genders = serializers.ListField(
        child=serializers.ChoiceField(
            choices=[(g.value, g.label) for g in Gender if g != Gender.SELF_DESCRIBED]
        )
    )
    # Your time
    availability = serializers.ListField(child=serializers.ChoiceField(choices=AVAILABILITY_SLOTS))
    message_emails = serializers.BooleanField()
    # Mentors only
    capacity = serializers.IntegerField(allow_null=True)
    is_paused = serializers.BooleanField(allow_null=True)
    open_to_harm_reduction = serializers.BooleanField(allow_null=True)
    training_note = serializers.CharField(allow_blank=True, allow_null=True)
    # What a matched peer may see
    contact_details = serializers.CharField(max_length=200, allow_blank=True)


for _name in SHARING_FIELDS:
    ProfileFields._declared_fields[_name] = serializers.BooleanField()


_IDS = serializers.ListField(child=serializers.IntegerField())
_CODES = serializers.ListField(child=serializers.CharField())


class MeSerializer(ProfileFields):
    """The signed-in member's own profile and sharing choices. Mentor-only fields
    are null for newcomers."""

    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    role = serializers.CharField(read_only=True)
    vetting_status = serializers.CharField(read_only=True, allow_null=True)
    onboarded = serializers.BooleanField(source="is_onboarded", read_only=True)
    languages = serializers.SerializerMethodField()
    pathways = serializers.SerializerMethodField()
    substances = serializers.SerializerMethodField()
    life_situation = serializers.SerializerMethodField()
    community = serializers.SerializerMethodField()

    @extend_schema_field(_CODES)
    def get_languages(self, member) -> list[str]:
        return [language.code for language in member.languages.all()]

    def _tags(self, member, name):
        return [tag.pk for tag in member.tags_in(TAG_FIELDS[name])]

    @extend_schema_field(_IDS)
    def get_pathways(self, member):
        return self._tags(member, "pathways")

    @extend_schema_field(_IDS)
    def get_substances(self, member):
        return self._tags(member, "substances")

    @extend_schema_field(_IDS)
    def get_life_situation(self, member):
        return self._tags(member, "life_situation")

    @extend_schema_field(_IDS)
    def get_community(self, member):
        return self._tags(member, "community")

    def to_representation(self, member):
        data = super().to_representation(member)
        if not member.is_mentor:
            for name in [*MENTOR_FIELDS, "vetting_status"]:
                data[name] = None
        return data


class MeUpdateSerializer(ProfileFields):
    """A change to the signed-in member's profile: send only the fields that change.
    Mentor-only fields are refused for newcomers."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["There is no such field."] for name in unknown}
                )
        return super().to_internal_value(data)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="With 400 only: each invalid field and its messages.",
    )


class ErrorSerializer(serializers.Serializer):
    """Every error answer under /api/."""

    error = ErrorDetailSerializer()
