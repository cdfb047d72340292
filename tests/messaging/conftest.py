import pytest

from messaging import services
from tests.factories import ActiveMatchFactory


@pytest.fixture
def match(newcomer, mentor):
    """An active match between Alice (newcomer) and Bob (mentor), conversation open."""
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    services.conversation_start(match=match)
    return match
