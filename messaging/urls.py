from django.urls import path

import peerlink.ids  # noqa: F401  (registers <id:…>)

from . import views

app_name = "messaging"

urlpatterns = [
    path("messages/<id:match_id>/", views.conversation, name="conversation"),
    path("messages/<id:match_id>/send/", views.send, name="send"),
    path("messages/<id:match_id>/new/", views.new, name="new"),
]
