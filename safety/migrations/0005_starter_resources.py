from django.db import migrations

from safety.resources import STARTER_TEXT


def add_starter_text(apps, schema_editor):
    ResourcesPage = apps.get_model("safety", "ResourcesPage")
    if not ResourcesPage.objects.exists():
        ResourcesPage.objects.create(pk=1, text=STARTER_TEXT)


class Migration(migrations.Migration):
    dependencies = [("safety", "0004_resources_page")]

    operations = [migrations.RunPython(add_starter_text, migrations.RunPython.noop)]
