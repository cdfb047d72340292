"""Seed a default lived-experience taxonomy and language list.

Staff edit both in the admin afterwards; this only creates rows that are
missing, so it never overwrites a deployment's changes.
"""

from django.db import migrations
from django.utils.text import slugify

TAGS = {
    "pathway": [
        ("12-step", "You both follow a 12-step pathway"),
        ("SMART Recovery", "You both use SMART Recovery"),
        ("Medication-supported recovery", "You both have experience with medication-supported recovery"),
        ("Harm reduction", "You both value a harm-reduction approach"),
        ("Faith-based", "Faith is part of recovery for you both"),
        ("Secular", "You both prefer a secular approach"),
        ("Refuge Recovery / Recovery Dharma", "You both follow a Buddhist-inspired pathway"),
        ("Women for Sobriety", "You both know Women for Sobriety"),
        ("Counselling or therapy", "Counselling or therapy is part of recovery for you both"),
        ("Own path", "You are both finding your own path"),
    ],
    "substance": [
        ("Alcohol", "You both have experience with alcohol"),
        ("Opioids", "You both have experience with opioids"),
        ("Stimulants", "You both have experience with stimulants"),
        ("Cannabis", "You both have experience with cannabis"),
        ("Benzodiazepines", "You both have experience with benzodiazepines"),
        ("Prescription medication", "You both have experience with prescription medication"),
        ("Gambling", "You both have experience with gambling"),
        ("Several substances", "You both have experience with more than one substance"),
    ],
    "life_situation": [
        ("Parenting", "You're both parents"),
        ("Justice involvement", "You both have experience with the justice system"),
        ("Veteran", "You're both veterans"),
        ("Chronic pain", "You both live with chronic pain"),
        ("Grief", "You both know grief"),
        ("Housing insecurity", "You both know housing insecurity"),
        ("Working while in recovery", "You both work while in recovery"),
        ("Student", "You're both students"),
        ("Mental health", "You both look after your mental health"),
        ("Caring for someone", "You both care for someone"),
    ],
    "community": [
        ("LGBTQ+", "You're both part of the LGBTQ+ community"),
        ("BIPOC", "You're both part of a BIPOC community"),
        ("Disabled", "You both have lived experience of disability"),
        ("Rural", "You both live in a rural area"),
        ("Older adult (55+)", "You're both older adults"),
        ("Young adult (18–25)", "You're both young adults"),
        ("Faith community", "You're both part of a faith community"),
    ],
}

LANGUAGES = [
    ("en", "English"), ("es", "Spanish"), ("fr", "French"), ("pt", "Portuguese"),
    ("de", "German"), ("it", "Italian"), ("zh", "Chinese"), ("vi", "Vietnamese"),
    ("tl", "Tagalog"), ("ar", "Arabic"), ("ko", "Korean"), ("ru", "Russian"),
    ("pl", "Polish"), ("hi", "Hindi"), ("ht", "Haitian Creole"), ("ase", "American Sign Language"),
]


def seed(apps, schema_editor):
    Tag = apps.get_model("members", "Tag")
    Language = apps.get_model("members", "Language")
    for category, entries in TAGS.items():
        for order, (name, phrase) in enumerate(entries):
            Tag.objects.get_or_create(
                slug=slugify(f"{category}-{name}")[:60],
                defaults={"category": category, "name": name, "peer_phrase": phrase,
                          "sort_order": order * 10},
            )
    for order, (code, name) in enumerate(LANGUAGES):
        Language.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
