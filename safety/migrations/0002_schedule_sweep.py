"""Empty: it once scheduled periodic tasks, which `peerlink/periodic_tasks.py` now
writes into beat's schedule after every migrate. Later migrations depend on it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("safety", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
