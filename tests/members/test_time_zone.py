"""Pages show dates in the signed-in member's own time zone, not the server's."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from matching import services as matching_services
from tests.factories import MentorFactory, NewcomerFactory
from tests.members.test_onboarding import about

pytestmark = pytest.mark.django_db

# 20:00 UTC on Monday 2 March is already Tuesday morning in Auckland.
SENT = datetime.datetime(2026, 3, 2, 20, 0, tzinfo=datetime.UTC)


def test_a_mentor_sees_the_answer_by_date_in_their_own_zone_and_after_changing_it():
    mentor = MentorFactory(time_zone="Pacific/Auckland")
    newcomer = NewcomerFactory()
    with time_machine.travel(SENT, tick=False):
        matching_services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)
    client = Client()
    client.force_login(mentor.user)

    with time_machine.travel(SENT + datetime.timedelta(hours=1), tick=False):
        # 72 hours to answer: Thursday 5 March, 20:00 UTC, is Friday 6 March in Auckland.
        assert "An answer is due by Friday 6 March" in client.get(reverse("matching:inbox")).text

        edit = client.post(
            reverse("members:profile_edit", args=["about"]),
            about(display_name=mentor.display_name, time_zone="America/Los_Angeles"),
        )
        assert edit.status_code == 302
        # The same moment is Thursday midday in Los Angeles.
        assert "An answer is due by Thursday 5 March" in client.get(reverse("matching:inbox")).text
