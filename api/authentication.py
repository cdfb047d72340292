"""`Authorization: Bearer <token>`: a member's personal token or an integration token."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from . import services, tokens
from .models import IntegrationToken, PersonalToken

INVALID = "This token is not valid, or has been revoked or has expired."
ISSUER_CANNOT_ACT = (
    "The staff member who issued this token can no longer act for the programme, "
    "so neither can the token. Ask staff for a new one."
)


class IntegrationClient:
    """Who an integration token acts as: no member and no staff account, only its scopes."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None
    email = ""

    def __init__(self, token: IntegrationToken):
        self.token = token

    def __str__(self):
        return f"integration {self.token.prefix}"

    def has_perm(self, *args, **kwargs) -> bool:
        return False


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the token as “Authorization: Bearer …”.")
        try:
            token = header[1].decode("ascii")
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(INVALID) from exc
        return self.authenticate_token(token)

    def authenticate_token(self, token: str):
        parsed = tokens.parse(token)
        if parsed is None:
            raise exceptions.AuthenticationFailed(INVALID)
        kind, prefix = parsed
        if kind == tokens.PERSONAL:
            row = PersonalToken.objects.select_related("member__user").filter(prefix=prefix).first()
            usable = (
                row is not None
                and row.is_usable()
                and row.member.deleted_at is None
                and row.member.user.is_active
            )
        else:
            row = (
                IntegrationToken.objects.select_related("created_by").filter(prefix=prefix).first()
            )
            usable = row is not None and row.is_usable(timezone.now())
        if not usable or not tokens.matches(token, row.token_hash):
            raise exceptions.AuthenticationFailed(INVALID)
        if kind == tokens.INTEGRATION and not row.issuer_may_act():
            raise exceptions.AuthenticationFailed(ISSUER_CANNOT_ACT)
        services.token_mark_used(row)
        user = row.member.user if kind == tokens.PERSONAL else IntegrationClient(row)
        return user, row

    def authenticate_header(self, request):
        return self.keyword
