"""What the member home page remembers: when each member last looked at it."""

from django.db import models

from members.models import Member


class HomeVisit(models.Model):
    """A member's visits to their home page, so a visit can say what changed since the last.

    `previous_visited_at` is the visit the page compares with. Visits close
    together (a reload, the back button) count as one, so a reload does not
    hide what changed.
    """

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="home_visit")
    visited_at = models.DateTimeField()
    previous_visited_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Home visits of member {self.member_id}"
