"""How a signed-in request finds its user."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend

from .models import User


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, reading the signed-in user's member profile with the user.

    Every signed-in page asks for both (`members.selectors.current_member`): one
    query a request instead of two.
    """

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("member").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
