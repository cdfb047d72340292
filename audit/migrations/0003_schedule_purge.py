"""Empty: it once scheduled periodic tasks, which `peerlink/periodic_tasks.py` now
writes into beat's schedule after every migrate. Later migrations depend on it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_refuse_changes_on_postgresql"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
