"""PeerLink's own starter check, in its own words: not a validated instrument."""

from django.db import migrations
from django.utils import timezone

NAME = "PeerLink recovery check (not a validated instrument)"
CITATION = (
    "Written by PeerLink as a starting point. It is not a validated instrument: "
    "a programme that wants a published measure such as the BARC-10 enters it from "
    "the publication (see docs/recovery-check.md)."
)
LABELS = ["Not at all", "A little", "Somewhat", "Mostly", "Very much"]
ITEMS = [
    ("There are people in my life I can turn to when things get hard.", "social"),
    ("I spend time with people who support the way I want to live.", "social"),
    ("I have a safe, steady place to live.", "physical"),
    ("I am looking after my body: sleep, food, movement.", "physical"),
    ("I know some of my own strengths and use them.", "human"),
    ("I feel hopeful about the months ahead.", "human"),
    ("I feel part of a community, group or place where I belong.", "cultural"),
    ("I do things that give my days meaning.", "cultural"),
]


def add_starter(apps, schema_editor):
    Instrument = apps.get_model("recovery", "Instrument")
    InstrumentVersion = apps.get_model("recovery", "InstrumentVersion")
    Item = apps.get_model("recovery", "Item")
    if Instrument.objects.filter(name=NAME).exists():
        return
    instrument = Instrument.objects.create(
        name=NAME, citation=CITATION, validated=False, cadence_days=90
    )
    version = InstrumentVersion.objects.create(
        instrument=instrument,
        number=1,
        status="live",
        intro="How true is each of these for you right now?",
        scale_min=1,
        scale_max=5,
        scale_labels=LABELS,
        made_live_at=timezone.now(),
    )
    Item.objects.bulk_create(
        Item(version=version, order=order, text=text, area=area)
        for order, (text, area) in enumerate(ITEMS, start=1)
    )


def remove_starter(apps, schema_editor):
    Instrument = apps.get_model("recovery", "Instrument")
    RecoveryCheck = apps.get_model("recovery", "RecoveryCheck")
    if not RecoveryCheck.objects.filter(version__instrument__name=NAME).exists():
        Instrument.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("recovery", "0001_instruments_and_answers")]

    operations = [migrations.RunPython(add_starter, remove_starter)]
