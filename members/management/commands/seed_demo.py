"""Fill a development or demo database with synthetic newcomers and peer mentors.

    python manage.py seed_demo --newcomers 40 --mentors 15 --seed 42

Every demo person has an address like ``newcomer7@demo.peerlink.test``; a staff
superuser ``staff@demo.peerlink.test`` is created or reset. The passwords are
generated on every run (or given with --password and --staff-password) and
printed once: a demo on a network must not be open to anyone who read this file.
Running it again only adds the people that are missing, so it never duplicates
anyone; the staff login and the first newcomer's and mentor's are reset.

Each person is drawn from their own ``random.Random`` seeded with the seed, the
role and their number, so the same seed always gives the same people, and
asking for more people later leaves the first ones as they were.

Nothing here is real: names are a short built-in list, phone numbers are in
the 555-01xx range reserved for fiction.
"""

import datetime
import random
import secrets
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from members.models import (
    AVAILABILITY_SLOTS,
    Gender,
    Language,
    Member,
    RecoveryGoal,
    Role,
    Tag,
    TagCategory,
    User,
    VettingStatus,
)

DEMO_DOMAIN = "demo.peerlink.test"
STAFF_EMAIL = f"staff@{DEMO_DOMAIN}"
# The first newcomer and the first mentor are the advertised demo logins.
KNOWN_INDEX = 1
MAXIMUM_AGE = 70
PROGRESS_WIDTH = 30

WOMEN_NAMES = [
    "Maria",
    "Jasmine",
    "Keisha",
    "Emily",
    "Rosa",
    "Aisha",
    "Linh",
    "Priya",
    "Hannah",
    "Gloria",
    "Tanya",
    "Denise",
    "Carmen",
    "Mei",
    "Olivia",
    "Sofia",
    "Brenda",
    "Nadia",
    "Leticia",
    "Grace",
    "Dana",
    "Shauna",
    "Yesenia",
    "Ruth",
]
MEN_NAMES = [
    "James",
    "Marcus",
    "Luis",
    "Andre",
    "Tom",
    "Kevin",
    "Diego",
    "Raj",
    "Darnell",
    "Mike",
    "Hector",
    "Chris",
    "Tyrone",
    "Ben",
    "Omar",
    "Duc",
    "Javier",
    "Walt",
    "Eddie",
    "Paul",
    "Malik",
    "Sean",
    "Tomas",
    "Gary",
]
NEUTRAL_NAMES = [
    "Alex",
    "Jordan",
    "Riley",
    "Casey",
    "Morgan",
    "Quinn",
    "Robin",
    "Jamie",
    "Sky",
    "River",
    "Sage",
    "Taylor",
    "Rowan",
    "Avery",
    "Frankie",
    "Kai",
]
ALIASES = [
    "Sunny",
    "Phoenix",
    "Blue",
    "Lucky",
    "Harbor",
    "Wren",
    "Journey",
    "Oak",
    "Dawn",
    "Hopeful",
]
SELF_DESCRIPTIONS = ["Genderqueer", "Two-Spirit", "Agender", "Genderfluid", "Questioning"]

NEWCOMER_BIOS = [
    "Just getting started and honestly a bit nervous about all of this.",
    "Looking for someone who gets it and won't judge.",
    "A few weeks in. Evenings are the hardest part for me.",
    "I've tried on my own before. This time I want someone to talk to.",
    "Parent of two, trying to do this for them and for me.",
    "Not sure what recovery looks like for me yet, but I want to find out.",
    "Back from a slip and starting again. Would love a steady voice.",
    "I work long shifts, so texting is easiest for me.",
    "Quiet at first, but I open up once I know someone.",
    "Mostly want to know it gets easier.",
]
MENTOR_BIOS = [
    "I remember how hard the first weeks were. Happy to listen, any time of day.",
    "Recovery gave me my family back. I like paying that forward.",
    "No lectures from me, just someone who has been there.",
    "I found my way through trial and error. Glad to share what worked and what didn't.",
    "Big believer in one day at a time and good coffee.",
    "I came in through harm reduction and stayed for the people.",
    "Former night-shift nurse. Good at late-night check-ins.",
    "Outdoors, dogs and long walks helped me most. Ask me about it.",
    "I'm a parent too, and I know how much guilt can weigh on you.",
    "Patient, practical, and still learning every day.",
]
TRAINING_NOTES = [
    "Certified Peer Recovery Specialist (CPRS).",
    "SMART Recovery facilitator training.",
    "CCAR Recovery Coach Academy.",
    "Completed the PeerLink mentor orientation.",
    "Mental Health First Aid, peer support course at the local recovery community centre.",
]
CONTACT_FORMATS = [
    "Text me at (555) 01{n:02d}",
    "Signal: (555) 01{n:02d}",
    "WhatsApp (555) 01{n:02d}, evenings are best",
    "Call or text (555) 01{n:02d}",
]

# (IANA name, weight): mostly the US, a few elsewhere.
TIME_ZONES = [
    ("America/New_York", 28),
    ("America/Chicago", 18),
    ("America/Denver", 7),
    ("America/Phoenix", 4),
    ("America/Los_Angeles", 20),
    ("America/Anchorage", 1),
    ("Pacific/Honolulu", 1),
    ("America/Puerto_Rico", 3),
    ("America/Toronto", 3),
    ("America/Mexico_City", 3),
    ("Europe/London", 3),
    ("Europe/Madrid", 1),
    ("Asia/Manila", 1),
    ("Australia/Sydney", 1),
]
SPANISH_TIME_ZONES = [
    "America/Mexico_City",
    "America/Puerto_Rico",
    "America/Bogota",
    "Europe/Madrid",
]
DAY_PART_WEIGHTS = {"morning": 2, "afternoon": 2, "evening": 5, "late": 2}
WEEKEND_DAYS = {"sat", "sun"}

# How likely each seeded tag is, by slug. Staff may add, rename or retire tags;
# anything not listed here is simply weight 1.
TAG_WEIGHTS = {
    "pathway-12-step": 6,
    "pathway-smart-recovery": 3,
    "pathway-medication-supported-recovery": 3,
    "pathway-harm-reduction": 2,
    "pathway-faith-based": 2,
    "pathway-secular": 2,
    "pathway-counselling-or-therapy": 4,
    "pathway-own-path": 2,
    "substance-alcohol": 7,
    "substance-opioids": 4,
    "substance-stimulants": 3,
    "substance-cannabis": 2,
    "substance-several-substances": 2,
    "life_situation-parenting": 3,
    "life_situation-working-while-in-recovery": 3,
    "life_situation-mental-health": 3,
    "life_situation-grief": 2,
    "life_situation-chronic-pain": 2,
}
HARM_REDUCTION_PATHWAY = "pathway-harm-reduction"
WOMEN_ONLY_PATHWAY = "pathway-women-for-sobriety"
# How many tags of each category a person picks: (counts, weights).
TAG_COUNTS = {
    TagCategory.PATHWAY: ([1, 2, 3], [55, 30, 15]),
    TagCategory.SUBSTANCE: ([0, 1, 2], [15, 60, 25]),
    TagCategory.LIFE_SITUATION: ([0, 1, 2, 3], [25, 35, 25, 15]),
    TagCategory.COMMUNITY: ([0, 1], [55, 45]),
}


@dataclass
class Person:
    """One synthetic member: the account, the profile and its tags and languages."""

    email: str
    role: str
    date_joined: datetime.datetime
    last_login: datetime.datetime
    profile: dict = field(default_factory=dict)
    tag_ids: list[int] = field(default_factory=list)
    language_codes: list[str] = field(default_factory=list)


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """Pick up to k distinct items, each draw proportional to its weight."""
    pool = [(item, weight) for item, weight in zip(items, weights, strict=True) if weight > 0]
    chosen = []
    while pool and len(chosen) < k:
        index = rng.choices(range(len(pool)), weights=[weight for _, weight in pool])[0]
        chosen.append(pool.pop(index)[0])
    return chosen


def demo_email(role: str, index: int) -> str:
    return f"{role}{index}@{DEMO_DOMAIN}"


class Generator:
    """Draws realistic, reproducible people from the taxonomy in the database."""

    def __init__(self, *, seed: int, tags: list[Tag], language_codes: list[str]):
        self.seed = seed
        self.tags_by_category = {category: [] for category in TagCategory.values}
        for tag in tags:
            self.tags_by_category.setdefault(tag.category, []).append(tag)
        self.language_codes = language_codes
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.minimum_age = max(19, settings.PEERLINK_MINIMUM_AGE + 1)

    def person(self, role: str, index: int) -> Person:
        rng = random.Random(f"{self.seed}:{role}:{index}")
        is_mentor = role == Role.MENTOR
        gender = rng.choices(
            [Gender.WOMAN, Gender.MAN, Gender.NON_BINARY, Gender.SELF_DESCRIBED, ""],
            weights=[45, 41, 8, 3, 3],
        )[0]
        age = self._age(rng, is_mentor)
        languages = self._languages(rng)
        goal = self._goal(rng, is_mentor)
        tag_ids = self._tags(rng, gender=gender, age=age, goal=goal)
        pronouns, self_description = self._pronouns(rng, gender)
        bio = rng.choice(MENTOR_BIOS if is_mentor else NEWCOMER_BIOS)
        if rng.random() < 0.2:
            bio = ""
        contact = rng.choice(CONTACT_FORMATS).format(n=rng.randrange(100))
        if rng.random() < 0.15:
            contact = ""

        if is_mentor:
            joined = self.now - datetime.timedelta(
                days=rng.randint(14, 730), seconds=rng.randrange(86400)
            )
        else:
            joined = self.now - datetime.timedelta(
                days=rng.randint(0, 60), seconds=rng.randrange(86400)
            )
        onboarded = min(self.now, joined + datetime.timedelta(minutes=rng.randint(4, 90)))
        since_onboarding = (self.now - onboarded).total_seconds()
        last_active = self.now - datetime.timedelta(
            seconds=min(since_onboarding, rng.expovariate(1 / (5 * 86400)))
        )

        profile = {
            "role": role,
            "display_name": self._display_name(rng, gender),
            "pronouns": pronouns,
            "gender": gender,
            "gender_self_description": self_description,
            "birth_year": self.today.year - age,
            "time_zone": self._time_zone(rng, languages),
            "availability": self._availability(rng, is_mentor),
            "recovery_goal": goal,
            "recovery_start_date": self._recovery_start(rng, is_mentor, age),
            "bio": bio,
            "contact_details": contact,
            "last_active_at": last_active,
            "share_pronouns": bool(pronouns) and rng.random() < 0.7,
            "share_gender": bool(gender) and rng.random() < 0.4,
            "share_age_range": rng.random() < 0.5,
            "share_substances": rng.random() < 0.35,
            "share_community": rng.random() < 0.4,
            "share_bio": bool(bio) and rng.random() < (0.9 if is_mentor else 0.5),
            "share_availability": rng.random() < (0.85 if is_mentor else 0.5),
            "onboarding_step": 5,
            "onboarded_at": onboarded,
        }
        if is_mentor:
            approved = index == KNOWN_INDEX or rng.random() < 0.85
            profile |= {
                "capacity": rng.choices([1, 2, 3, 4, 5], weights=[10, 25, 35, 20, 10])[0],
                "open_to_harm_reduction": goal == RecoveryGoal.REDUCING_HARM or rng.random() < 0.45,
                "vetting_status": VettingStatus.APPROVED if approved else VettingStatus.PENDING,
                "vetted_at": (
                    min(self.now, onboarded + datetime.timedelta(hours=rng.randint(2, 240)))
                    if approved
                    else None
                ),
                "training_note": rng.choice(TRAINING_NOTES) if rng.random() < 0.6 else "",
                # Most demo mentors with a gender let newcomers' preferences use it.
                "share_gender_for_matching": bool(gender) and index % 4 != 0,
                "vetted_recovery_start_date": profile["recovery_start_date"] if approved else None,
            }
        else:
            profile["preferred_mentor_genders"] = self._preferred_genders(rng, gender)

        return Person(
            email=demo_email(role, index),
            role=role,
            date_joined=joined,
            last_login=last_active,
            profile=profile,
            tag_ids=tag_ids,
            language_codes=languages,
        )

    # -- the parts of a person ------------------------------------------------

    def _age(self, rng: random.Random, is_mentor: bool) -> int:
        low = max(self.minimum_age, 25 if is_mentor else 19)
        high = max(low, MAXIMUM_AGE)
        mode = min(high, max(low, 45 if is_mentor else 33))
        return min(high, max(low, round(rng.triangular(low, high, mode))))

    def _display_name(self, rng: random.Random, gender: str) -> str:
        if rng.random() < 0.08:
            return rng.choice(ALIASES)
        if gender == Gender.WOMAN:
            names = WOMEN_NAMES if rng.random() < 0.9 else NEUTRAL_NAMES
        elif gender == Gender.MAN:
            names = MEN_NAMES if rng.random() < 0.9 else NEUTRAL_NAMES
        else:
            names = NEUTRAL_NAMES
        name = rng.choice(names)
        if rng.random() < 0.3:
            name = f"{name} {rng.choice('ABCDEFGHJKLMNPRSTVW')}."
        return name

    def _pronouns(self, rng: random.Random, gender: str) -> tuple[str, str]:
        if gender == Gender.SELF_DESCRIBED:
            return rng.choice(["they/them", "she/they", "he/they", ""]), rng.choice(
                SELF_DESCRIPTIONS
            )
        usual = {Gender.WOMAN: "she/her", Gender.MAN: "he/him", Gender.NON_BINARY: "they/them"}
        if gender in usual and rng.random() < 0.75:
            return usual[gender], ""
        return "", ""

    def _languages(self, rng: random.Random) -> list[str]:
        available = self.language_codes
        others = [code for code in available if code not in ("en", "es")] or available
        roll = rng.random()
        primary = "en" if roll < 0.82 else "es" if roll < 0.93 else rng.choice(others)
        if primary not in available:
            primary = available[0]
        codes = [primary]
        if primary == "en":
            second_chance, second = 0.18, ("es" if rng.random() < 0.6 else rng.choice(others))
        else:
            second_chance, second = (0.55 if primary == "es" else 0.7), "en"
        if rng.random() < second_chance and second in available and second != primary:
            codes.append(second)
        return codes

    def _time_zone(self, rng: random.Random, languages: list[str]) -> str:
        if languages[0] == "es" and rng.random() < 0.35:
            return rng.choice(SPANISH_TIME_ZONES)
        names, weights = zip(*TIME_ZONES, strict=True)
        return rng.choices(names, weights=weights)[0]

    def _availability(self, rng: random.Random, is_mentor: bool) -> list[str]:
        codes = [code for code, _ in AVAILABILITY_SLOTS]
        weights = []
        for code in codes:
            day, part = code.split("-", 1)
            weights.append(DAY_PART_WEIGHTS[part] * (1.4 if day in WEEKEND_DAYS else 1))
        k = rng.randint(3, 12) if is_mentor else rng.randint(2, 10)
        chosen = set(_weighted_sample(rng, codes, weights, k))
        return [code for code in codes if code in chosen]

    def _goal(self, rng: random.Random, is_mentor: bool) -> str:
        goals = [RecoveryGoal.ABSTINENCE, RecoveryGoal.REDUCING_HARM, RecoveryGoal.NOT_SURE]
        weights = [75, 17, 8] if is_mentor else [50, 28, 22]
        return rng.choices(goals, weights=weights)[0].value

    def _recovery_start(
        self, rng: random.Random, is_mentor: bool, age: int
    ) -> datetime.date | None:
        if is_mentor:
            # 1 to 20 years ago, and not before they turned 18.
            most_years = max(1, min(20, age - 18))
            days = rng.randint(365, most_years * 365)
        elif rng.random() < 0.4:
            return None
        else:
            days = rng.randint(0, 548)  # within the last 18 months
        return self.today - datetime.timedelta(days=days)

    def _tags(self, rng: random.Random, *, gender: str, age: int, goal: str) -> list[int]:
        chosen: list[Tag] = []
        for category, (counts, count_weights) in TAG_COUNTS.items():
            tags = self.tags_by_category.get(category, [])
            if not tags:
                continue
            weights = [self._tag_weight(tag, gender=gender, age=age, goal=goal) for tag in tags]
            k = rng.choices(counts, weights=count_weights)[0]
            picked = _weighted_sample(rng, tags, weights, k)
            if (
                category == TagCategory.PATHWAY
                and goal == RecoveryGoal.REDUCING_HARM
                and rng.random() < 0.6
            ):
                harm_reduction = [tag for tag in tags if tag.slug == HARM_REDUCTION_PATHWAY]
                picked = harm_reduction + [tag for tag in picked if tag not in harm_reduction]
                picked = picked[: max(k, 1)]
            chosen.extend(picked)
        return [tag.pk for tag in chosen]

    @staticmethod
    def _tag_weight(tag: Tag, *, gender: str, age: int, goal: str) -> float:
        slug = tag.slug
        if slug == WOMEN_ONLY_PATHWAY:
            return 2 if gender == Gender.WOMAN else 0
        if slug.startswith("community-older-adult"):
            return 4 if age >= 55 else 0
        if slug.startswith("community-young-adult"):
            return 4 if age <= 25 else 0
        if slug == "life_situation-student":
            return 3 if age <= 30 else 0.3
        if slug == HARM_REDUCTION_PATHWAY and goal == RecoveryGoal.REDUCING_HARM:
            return 6
        return TAG_WEIGHTS.get(slug, 1)

    @staticmethod
    def _preferred_genders(rng: random.Random, gender: str) -> list[str]:
        roll = rng.random()
        if gender == Gender.WOMAN:
            if roll < 0.2:
                return [Gender.WOMAN.value]
            if roll < 0.25:
                return [Gender.WOMAN.value, Gender.NON_BINARY.value]
        elif gender == Gender.MAN and roll < 0.1:
            return [Gender.MAN.value]
        elif gender in (Gender.NON_BINARY, Gender.SELF_DESCRIBED) and roll < 0.25:
            return [Gender.NON_BINARY.value, Gender.WOMAN.value]
        return []


def generated_password() -> str:
    """Return a fresh random password, easy to copy from a terminal."""
    return secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")


class Command(BaseCommand):
    help = (
        "Create synthetic newcomers and peer mentors for development and demos "
        f"(emails @{DEMO_DOMAIN}, generated passwords), plus a staff superuser. "
        "Safe to run again: people who already exist are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--newcomers", type=int, default=40, help="How many (default 40).")
        parser.add_argument("--mentors", type=int, default=15, help="How many (default 15).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--password", help="The demo people's password (default: generated, printed)."
        )
        parser.add_argument(
            "--staff-password", help="The staff password (default: generated, printed)."
        )
        parser.add_argument(
            "--batch-size", type=int, default=250, help="People written per batch (default 250)."
        )

    def handle(self, *args, **options):
        newcomers, mentors = options["newcomers"], options["mentors"]
        batch_size = options["batch_size"]
        if newcomers < 0 or mentors < 0:
            raise CommandError("--newcomers and --mentors cannot be negative.")
        if not 1 <= batch_size <= 500:
            raise CommandError("--batch-size must be between 1 and 500.")

        tags = list(Tag.objects.filter(is_active=True).order_by("category", "sort_order", "slug"))
        language_codes = list(Language.objects.order_by("code").values_list("code", flat=True))
        if not tags or not language_codes:
            raise CommandError("No tags or languages found. Run `python manage.py migrate` first.")
        generator = Generator(seed=options["seed"], tags=tags, language_codes=language_codes)
        demo_password = options["password"] or generated_password()
        staff_password = options["staff_password"] or generated_password()

        wanted = [(Role.NEWCOMER.value, i) for i in range(1, newcomers + 1)]
        wanted += [(Role.MENTOR.value, i) for i in range(1, mentors + 1)]
        self.stdout.write(
            f"Seeding {newcomers} newcomers and {mentors} mentors (seed {options['seed']})."
        )

        with transaction.atomic():
            staff, staff_created = self._ensure_staff(staff_password)
            demo_users = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")
            user_ids = dict(demo_users.values_list("email", "pk"))
            with_profile = set(
                Member.objects.filter(user__email__endswith=f"@{DEMO_DOMAIN}").values_list(
                    "user__email", flat=True
                )
            )
            missing = [(role, i) for role, i in wanted if demo_email(role, i) not in with_profile]
            present = len(wanted) - len(missing)
            created_by_role = {Role.NEWCOMER.value: 0, Role.MENTOR.value: 0}
            completed = 0

            password_hash = make_password(demo_password)
            done = 0
            self._progress(done, len(missing))
            for batch in _chunks(missing, batch_size):
                people = [generator.person(role, i) for role, i in batch]
                for person in people:
                    if person.email in user_ids:
                        completed += 1
                    else:
                        created_by_role[person.role] += 1
                self._write_batch(people, user_ids, password_hash, staff)
                done += len(batch)
                self._progress(done, len(missing))

            known = [
                demo_email(role, KNOWN_INDEX)
                for role, count in ((Role.NEWCOMER, newcomers), (Role.MENTOR, mentors))
                if count >= KNOWN_INDEX
            ]
            # The advertised logins always work, even if someone changed them.
            User.objects.filter(email__in=known).update(password=password_hash, is_active=True)
            self._verify_email_addresses(
                {
                    email: user_ids[email]
                    for email in [STAFF_EMAIL, *(demo_email(*w) for w in wanted)]
                }
            )

        created = sum(created_by_role.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {created} people ({created_by_role[Role.NEWCOMER]} newcomers, "
                f"{created_by_role[Role.MENTOR]} mentors); {present} already present."
            )
        )
        if completed:
            self.stdout.write(f"Added a profile to {completed} existing demo accounts.")
        self.stdout.write(f"Staff account {'created' if staff_created else 'updated'}.")
        self.stdout.write("")
        self.stdout.write("Demo logins (for development and demos only):")
        self.stdout.write(f"  Staff:     {STAFF_EMAIL} / {staff_password}")
        for label, role, count in (
            ("Newcomer:", Role.NEWCOMER, newcomers),
            ("Mentor:", Role.MENTOR, mentors),
        ):
            if count >= KNOWN_INDEX:
                self.stdout.write(
                    f"  {label:<10} {demo_email(role, KNOWN_INDEX)} / {demo_password}"
                )
            else:
                self.stdout.write(f"  {label:<10} none (no {role}s requested)")

    # -- writing ----------------------------------------------------------------

    def _ensure_staff(self, password: str) -> tuple[User, bool]:
        staff = User.objects.filter(email__iexact=STAFF_EMAIL).first()
        created = staff is None
        if created:
            staff = User(email=STAFF_EMAIL)
        staff.is_staff = staff.is_superuser = staff.is_active = True
        staff.set_password(password)
        staff.save()
        return staff, created

    def _write_batch(self, people: list[Person], user_ids: dict, password_hash: str, staff):
        emails = [person.email for person in people]
        User.objects.bulk_create(
            [
                User(
                    email=person.email,
                    password=password_hash,
                    date_joined=person.date_joined,
                    last_login=person.last_login,
                )
                for person in people
                if person.email not in user_ids
            ]
        )
        # Read the ids back rather than rely on bulk_create returning them.
        user_ids.update(User.objects.filter(email__in=emails).values_list("email", "pk"))

        members = []
        for person in people:
            member = Member(user_id=user_ids[person.email], **person.profile)
            if member.vetting_status == VettingStatus.APPROVED and member.is_mentor:
                member.vetted_by = staff
            members.append(member)
        Member.objects.bulk_create(members)
        member_ids = dict(
            Member.objects.filter(user_id__in=[user_ids[email] for email in emails]).values_list(
                "user_id", "pk"
            )
        )
        # A member's record dates from their sign-up (the dashboard measures waits from it).
        Member.objects.bulk_update(
            [
                Member(pk=member_ids[user_ids[person.email]], created_at=person.date_joined)
                for person in people
            ],
            ["created_at"],
            batch_size=1000,
        )

        tag_links, language_links = [], []
        for person in people:
            member_id = member_ids[user_ids[person.email]]
            tag_links += [
                Member.tags.through(member_id=member_id, tag_id=tag_id) for tag_id in person.tag_ids
            ]
            language_links += [
                Member.languages.through(member_id=member_id, language_id=code)
                for code in person.language_codes
            ]
        Member.tags.through.objects.bulk_create(tag_links)
        Member.languages.through.objects.bulk_create(language_links)

    def _verify_email_addresses(self, users: dict[str, int]) -> None:
        """Make each demo email verified and primary, so mandatory verification lets them in."""
        email_of = {user_id: email for email, user_id in users.items()}
        matching: dict[int, tuple[int, bool, bool]] = {}
        other_primary: dict[int, list[int]] = {}
        rows = EmailAddress.objects.filter(user__email__endswith=f"@{DEMO_DOMAIN}").values_list(
            "pk", "user_id", "email", "verified", "primary"
        )
        for pk, user_id, email, verified, primary in rows:
            if user_id not in email_of:
                continue
            if email.lower() == email_of[user_id]:
                matching[user_id] = (pk, verified, primary)
            elif primary:
                other_primary.setdefault(user_id, []).append(pk)

        to_fix = [pk for pk, verified, primary in matching.values() if not (verified and primary)]
        to_demote = [
            pk
            for user_id, pks in other_primary.items()
            if not matching.get(user_id, (0, False, False))[2]
            for pk in pks
        ]
        for chunk in _chunks(to_demote, 500):
            EmailAddress.objects.filter(pk__in=chunk).update(primary=False)
        for chunk in _chunks(to_fix, 500):
            EmailAddress.objects.filter(pk__in=chunk).update(verified=True, primary=True)
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user_id=user_id, email=email, verified=True, primary=True)
                for user_id, email in email_of.items()
                if user_id not in matching
            ],
            batch_size=500,
        )

    def _progress(self, done: int, total: int) -> None:
        """A text progress bar: redrawn in place on a terminal, one line a batch otherwise."""
        if total == 0:
            self.stdout.write("Nothing to create: everyone asked for is already here.")
            return
        filled = PROGRESS_WIDTH * done // total
        bar = "#" * filled + "." * (PROGRESS_WIDTH - filled)
        line = f"[{bar}] {done}/{total} people ({100 * done // total}%)"
        if self.stdout.isatty():
            self.stdout.write(f"\r{line}", ending="\n" if done == total else "")
            self.stdout.flush()
        else:
            self.stdout.write(line)
