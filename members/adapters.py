from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from .login_attempts import client_address


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        return reverse("home:me")

    def get_signup_redirect_url(self, request):
        return reverse("home:me")

    def pre_authenticate(self, request, **credentials):
        # allauth would also stop every sign-in to an address after a few
        # failures from anywhere, so anyone could lock a member out. Failures
        # are counted per (email, address) by django-axes instead.
        pass

    def get_client_ip(self, request):
        # allauth's own limits (sign-ins, sign-ups, password resets per address)
        # count the same client address as django-axes, so behind an HTTPS proxy
        # one client cannot use up the limit for everyone.
        return client_address(request) or super().get_client_ip(request)
