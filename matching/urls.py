from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    path("peers/", views.suggestions, name="suggestions"),
    path("peers/request/", views.request_mentor, name="request"),
    path("my-match/", views.status, name="status"),
    path("my-match/<int:match_id>/withdraw/", views.withdraw, name="withdraw"),
    path("matches/<int:match_id>/end/", views.end, name="end"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:match_id>/accept/", views.accept, name="accept"),
    path("inbox/<int:match_id>/decline/", views.decline, name="decline"),
]
