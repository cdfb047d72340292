"""The member's "Apps and tokens" pages, next to their profile."""

from django.urls import path

import peerlink.ids  # noqa: F401  (registers <id:…>)

from . import views

app_name = "tokens"

urlpatterns = [
    path("profile/tokens/", views.tokens_page, name="list"),
    path("profile/tokens/<id:token_id>/revoke/", views.token_revoke, name="revoke"),
]
