"""Writes to API tokens. Each function is one transaction."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from members.models import Member, User

from . import tokens
from .models import IntegrationToken, PersonalToken, Scope

# "Last used" is written at most this often per token, not on every request.
LAST_USED_EVERY = datetime.timedelta(seconds=60)


class TokenError(Exception):
    """A token change the rules do not allow; the message is for people."""


def too_many_tokens_message() -> str:
    return (
        f"You already have {settings.PEERLINK_API_TOKENS_PER_MEMBER} tokens, the most one "
        "member may hold. Revoke one you no longer use, then create this one."
    )


@transaction.atomic
def personal_token_create(*, member: Member, name: str) -> tuple[PersonalToken, str]:
    """Create a personal token; return it with its secret, which is never shown again.

    A member holds at most PEERLINK_API_TOKENS_PER_MEMBER tokens that are not revoked.
    """
    name = name.strip()
    if not name:
        raise TokenError("Give the token a name, so that you know what it is for.")
    # Lock the member so that two creations at once cannot both pass the count.
    Member.objects.select_for_update().filter(pk=member.pk).exists()
    live = PersonalToken.objects.filter(member=member, revoked_at__isnull=True).count()
    if live >= settings.PEERLINK_API_TOKENS_PER_MEMBER:
        raise TokenError(too_many_tokens_message())
    secret, prefix, digest = tokens.new_token(tokens.PERSONAL)
    token = PersonalToken.objects.create(member=member, name=name, prefix=prefix, token_hash=digest)
    return token, secret


@transaction.atomic
def personal_token_revoke(*, member: Member, token_id: int) -> PersonalToken:
    """Revoke one of the member's own tokens (PersonalToken.DoesNotExist for anyone else's)."""
    token = PersonalToken.objects.select_for_update().get(pk=token_id, member=member)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


@transaction.atomic
def integration_token_create(
    *,
    name: str,
    scopes: list[str],
    created_by: User,
    expires_at: datetime.datetime | None = None,
) -> tuple[IntegrationToken, str]:
    """Issue an integration token; return it with its secret, which is never shown again."""
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        raise TokenError(f"Unknown scopes: {', '.join(unknown)}.")
    if not scopes:
        raise TokenError("Choose at least one scope.")
    if not created_by.is_staff:
        raise TokenError("Only staff issue integration tokens.")
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenError("The expiry time is already past.")
    secret, prefix, digest = tokens.new_token(tokens.INTEGRATION)
    token = IntegrationToken.objects.create(
        name=name.strip(),
        scopes=[scope for scope in Scope.values if scope in scopes],
        prefix=prefix,
        token_hash=digest,
        created_by=created_by,
        expires_at=expires_at,
    )
    return token, secret


def integration_tokens_revoke(*, token_ids: list[int]) -> int:
    return IntegrationToken.objects.filter(pk__in=token_ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def token_mark_used(token: PersonalToken | IntegrationToken) -> None:
    """Record that a token (and a personal token's member) was just used, at most once a
    minute per token."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    type(token).objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    if isinstance(token, PersonalToken):
        Member.objects.filter(pk=token.member_id).update(last_active_at=now)
