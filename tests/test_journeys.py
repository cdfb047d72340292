"""The foundation's three journeys, driven through the Django test client.

A newcomer signs up and finishes onboarding, a mentor signs up in another
session, and the demo staff user approves the mentor in the admin.
"""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.models import Member, User, VettingStatus
from tests.factories import tag
from tests.second_factor import add_authenticator_app, current_code, enter_code, sign_in

pytestmark = pytest.mark.django_db


def sign_up(client: Client, *, role: str, email: str, name: str) -> None:
    response = client.get(f"/accounts/signup/?role={role}")
    assert response.status_code == 200
    response = client.post(
        "/accounts/signup/",
        {
            "role": role,
            "display_name": name,
            "birth_year": str(timezone.localdate().year - 35),
            "is_adult": "on",
            "email": email,
            "password1": "slow mornings and coffee",
            "password2": "slow mornings and coffee",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    message = next(m for m in reversed(mail.outbox) if email in m.to)
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302


def onboard(client: Client, *, name: str, mentor: bool) -> None:
    """Take every onboarding step; a newcomer lands on suggestions, a mentor on the inbox."""
    steps = {
        "about": {
            "display_name": name,
            "birth_year": "1985",
            "languages": ["en"],
            "time_zone": "America/Denver",
            "pronouns": "",
            "gender": "woman",
        },
        "recovery": {
            "recovery_goal": "abstinence",
            "recovery_start_date": "2018-06-01" if mentor else "",
            "pathways": [tag("pathway-12-step").pk],
            "open_to_harm_reduction": "on",
        },
        "experience": {"life_situation": [tag("life_situation-parenting").pk], "bio": "Hi."},
        "availability": {"availability": ["tue-evening", "sat-morning"], "capacity": "2"},
        "sharing": {"share_display_name": "on", "share_pathways": "on", "share_contact": "on"},
    }
    response = client.get(reverse("home:me"), follow=True)
    for step, data in steps.items():
        assert response.redirect_chain[-1][0] == reverse("members:onboarding_step", args=[step])
        response = client.post(reverse("members:onboarding_step", args=[step]), data, follow=True)
        assert response.status_code == 200
    if not mentor:
        # The optional recovery check is offered once; "Not now" goes on to the home page.
        offer = reverse("recovery:check") + "?first=1"
        assert response.redirect_chain[-1][0] == offer
        response = client.post(offer, {"not_now": "1"}, follow=True)
    # Onboarding ends on the member's home page, which says what is next.
    assert response.redirect_chain[-1][0] == reverse("home:me")
    next_step = "still reviewing your profile" if mentor else "See all your suggested peers"
    assert next_step in response.content.decode()


def test_newcomer_and_mentor_sign_up_and_staff_approve_the_mentor():
    output = io.StringIO()
    call_command("seed_demo", newcomers=3, mentors=2, stdout=output)
    staff_email, staff_password = re.search(r"Staff:\s+(\S+) / (\S+)", output.getvalue()).groups()

    newcomer_browser = Client()
    sign_up(newcomer_browser, role="newcomer", email="new@example.org", name="Robin")
    onboard(newcomer_browser, name="Robin", mentor=False)
    page = newcomer_browser.get(reverse("members:profile")).content.decode()
    assert "Hi, Robin" in page and "12-step" in page

    mentor_browser = Client()
    sign_up(mentor_browser, role="mentor", email="mentor@example.org", name="Casey")
    onboard(mentor_browser, name="Casey", mentor=True)
    page = mentor_browser.get(reverse("members:profile")).content.decode()
    assert "Our staff will review your profile" in page

    # Staff have set up their authenticator app, and sign in with it.
    secret = add_authenticator_app(User.objects.get(email=staff_email))
    staff_browser = Client()
    response = sign_in(staff_browser, staff_email, staff_password)
    assert response.status_code == 302
    enter_code(staff_browser, current_code(secret))
    casey = Member.objects.get(user__email="mentor@example.org")
    changelist = reverse("admin:members_member_changelist")
    waiting = staff_browser.get(changelist + "?role__exact=mentor&vetting_status__exact=pending")
    assert casey in waiting.context["cl"].result_list
    staff_browser.post(changelist, {"action": "approve_mentors", "_selected_action": [casey.pk]})

    casey.refresh_from_db()
    assert casey.vetting_status == VettingStatus.APPROVED
    assert casey.vetted_by.email == staff_email
    page = mentor_browser.get(reverse("members:profile")).content.decode()
    assert "You are an approved peer mentor" in page
