"""Whether a conversation is open: the one rule, for pages, sending and tests alike."""

from django.db.models import Q

from matching.models import Block, Match, MatchState


def conversation_is_open(match: Match) -> bool:
    """Return True only while `match` is active and neither side has blocked the other.

    Blocking ends the match already; the block is checked as well so that a
    conversation never reopens for a blocked pair, whatever happens to the match.
    """
    if match.state != MatchState.ACTIVE:
        return False
    pair = [match.newcomer_id, match.mentor_id]
    return not Block.objects.filter(Q(blocker_id__in=pair) & Q(blocked_id__in=pair)).exists()
