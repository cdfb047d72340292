from django.urls import path

import peerlink.ids  # noqa: F401  (registers <id:…>)

from . import views

app_name = "matching"

urlpatterns = [
    path("peers/", views.suggestions, name="suggestions"),
    path("peers/request/", views.request_mentor, name="request"),
    path("my-match/", views.status, name="status"),
    path("my-match/<id:match_id>/withdraw/", views.withdraw, name="withdraw"),
    path("matches/<id:match_id>/end/", views.end, name="end"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<id:match_id>/accept/", views.accept, name="accept"),
    path("inbox/<id:match_id>/decline/", views.decline, name="decline"),
]
