from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        return reverse("members:home")

    def get_signup_redirect_url(self, request):
        return reverse("members:home")

    def pre_authenticate(self, request, **credentials):
        # allauth would also stop every sign-in to an address after a few
        # failures from anywhere, so anyone could lock a member out. Failures
        # are counted per (email, address) by django-axes instead.
        pass
