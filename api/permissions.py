"""Who may call an endpoint: members, and integration tokens by scope."""

from rest_framework import permissions

from .models import IntegrationToken


def member_of(request):
    """The signed-in member, or None (staff without a profile, integration tokens)."""
    user = request.user
    if not user or not user.is_authenticated or isinstance(request.auth, IntegrationToken):
        return None
    return getattr(user, "member", None)


class IsMember(permissions.BasePermission):
    """A member, signed in with the session or with one of their personal tokens."""

    message = "Only members can do this."

    def has_permission(self, request, view):
        member = member_of(request)
        return member is not None and member.deleted_at is None


class IsPerson(permissions.BasePermission):
    """Someone signed in as themselves (a member or staff, by session or personal token),
    not an integration token: those may call only the endpoints that ask for a scope."""

    message = "An integration token can call only the endpoints that ask for one of its scopes."

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user and user.is_authenticated and not isinstance(request.auth, IntegrationToken)
        )


def has_scope(scope: str) -> type[permissions.BasePermission]:
    """Permission class: an integration token carrying `scope`."""

    class HasScope(permissions.BasePermission):
        message = f"This token lacks the “{scope}” scope."

        def has_permission(self, request, view):
            token = request.auth
            return isinstance(token, IntegrationToken) and token.has_scope(scope)

    HasScope.__name__ = f"HasScope[{scope}]"
    return HasScope
