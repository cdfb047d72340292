"""Rate limits: one allowance per member across their session and every token, a tighter
one for suggestions, one per integration token; and a cap on a member's live tokens."""

import pytest
from django.test import Client
from django.urls import reverse

from api import services
from api.models import PersonalToken, Scope
from tests.api.conftest import bearer, make_integration_token

pytestmark = pytest.mark.django_db


def throttled(response) -> bool:
    if response.status_code != 429:
        return False
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    return True


def test_more_tokens_buy_no_more_requests_and_the_session_shares_the_allowance(
    settings, newcomer, newcomer_client, mentor_client
):
    settings.PEERLINK_API_RATE = "4/minute"
    apps = [
        Client(**bearer(services.personal_token_create(member=newcomer, name=name)[1]))
        for name in ("phone", "laptop", "tablet")
    ]
    me = reverse("api:v1:me")
    for caller in [*apps, newcomer_client]:
        assert caller.get(me).status_code == 200
    # Every way in is now spent: a fourth token, the session, the first token.
    fourth = Client(**bearer(services.personal_token_create(member=newcomer, name="watch")[1]))
    assert all(throttled(caller.get(me)) for caller in (fourth, newcomer_client, apps[0]))
    # Another member has their own allowance.
    assert mentor_client.get(me).status_code == 200


def test_suggestions_have_a_tighter_limit_of_their_own(settings, newcomer_client):
    settings.PEERLINK_API_SUGGESTIONS_RATE = "2/minute"
    suggestions = reverse("api:v1:suggestions")
    assert [newcomer_client.get(suggestions).status_code for _ in range(2)] == [200, 200]
    assert throttled(newcomer_client.get(suggestions))
    assert newcomer_client.get(reverse("api:v1:me")).status_code == 200


def test_each_integration_token_has_its_own_allowance(settings, staff_user):
    settings.PEERLINK_API_RATE = "1/minute"
    first, second = (
        Client(**bearer(make_integration_token(staff_user, [Scope.REPORTING_READ])))
        for _ in range(2)
    )
    reporting = reverse("api:v1:staff-reporting")
    assert first.get(reporting).status_code == 200
    assert throttled(first.get(reporting))
    assert second.get(reporting).status_code == 200


def test_a_member_holds_at_most_the_token_limit(settings, newcomer, newcomer_client):
    settings.PEERLINK_API_TOKENS_PER_MEMBER = 3
    for name in ("one", "two", "three"):
        newcomer_client.post(reverse("tokens:list"), {"name": name})
    response = newcomer_client.post(reverse("tokens:list"), {"name": "four"})
    assert response.status_code == 200
    assert "You already have 3 tokens" in response.text
    assert "pl" + "p_" not in response.text
    assert PersonalToken.objects.filter(member=newcomer).count() == 3
    # A revoked token makes room for a new one.
    newcomer_client.post(reverse("tokens:revoke", args=[PersonalToken.objects.first().pk]))
    newcomer_client.post(reverse("tokens:list"), {"name": "four"})
    assert PersonalToken.objects.filter(member=newcomer, name="four").exists()


def test_the_service_refuses_a_token_past_the_limit(settings, newcomer):
    settings.PEERLINK_API_TOKENS_PER_MEMBER = 1
    services.personal_token_create(member=newcomer, name="phone")
    with pytest.raises(services.TokenError, match="Revoke one you no longer use"):
        services.personal_token_create(member=newcomer, name="laptop")
