from django.contrib.admin.apps import AdminConfig


class PeerLinkAdminConfig(AdminConfig):
    """Django's admin, on a site that asks staff for their second factor."""

    default_site = "peerlink.admin_site.PeerLinkAdminSite"
