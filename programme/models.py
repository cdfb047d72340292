from django.db import models


class Programme(models.Model):
    """No rows: it carries the permission to read the programme's numbers and reports."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_dashboard", "Can view the programme dashboard, its summary and reports"),
            ("view_queue", "Can view what needs a person"),
        ]

    def __str__(self):
        return "Programme"
