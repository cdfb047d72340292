"""Pages and the API agree on who is signed in: a deleted account reaches nothing."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import ActiveMatchFactory

pytestmark = pytest.mark.django_db


def test_a_session_left_open_by_a_deleted_account_reaches_no_member_page():
    match = ActiveMatchFactory()
    newcomer = match.newcomer
    client = Client()
    client.force_login(newcomer.user)
    # Deleted in another tab or by the retention job while this session was open.
    newcomer.deleted_at = timezone.now()
    newcomer.save(update_fields=["deleted_at"])

    pages = [
        reverse("messaging:conversation", args=[match.pk]),
        reverse("checkins:new", args=[match.pk]),
        reverse("matching:status"),
        reverse("audit:accounting"),
        reverse("safety:block", args=[match.mentor_id]),
    ]
    for page in pages:
        assert client.get(page).status_code == 404, page
    assert client.get(reverse("api:v1:match", args=[match.pk])).status_code in (403, 404)
