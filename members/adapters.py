from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.urls import reverse

from .login_attempts import client_address

SITE_NAME = "PeerLink"


@dataclass(frozen=True)
class Site:
    """What allauth's emails call the site: PeerLink at its configured address."""

    name: str
    domain: str


def configured_site() -> Site:
    return Site(name=SITE_NAME, domain=urlsplit(settings.PEERLINK_SITE_URL).netloc)


def on_configured_site(url: str, request) -> str:
    """Move a link built from the request's host onto PEERLINK_SITE_URL.

    Every email links to the one configured address, whichever host (127.0.0.1,
    localhost, a proxy's inner name) the request that sent it came in on.
    """
    if request is None or not url.startswith(("http://", "https://")):
        return url
    request_origin = request.build_absolute_uri("/").rstrip("/")
    if not url.startswith(request_origin + "/"):
        return url
    return settings.PEERLINK_SITE_URL.rstrip("/") + url[len(request_origin) :]


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth names the site after the request's host ("Hello from
        # 127.0.0.1:18860!") and builds links on it; PeerLink's own emails use
        # PEERLINK_SITE_URL, and so must these.
        request = allauth_context.request
        links = {
            name: on_configured_site(value, request)
            for name, value in context.items()
            if name.endswith("_url") and isinstance(value, str)
        }
        ctx = {"request": request, "email": email, **context, **links}
        ctx["current_site"] = configured_site()
        self.render_mail(template_prefix, email, ctx).send()

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
