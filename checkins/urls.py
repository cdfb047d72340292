from django.urls import path

import peerlink.ids  # noqa: F401  (registers <id:…>)

from . import views

app_name = "checkins"

urlpatterns = [
    path("check-ins/", views.upcoming, name="upcoming"),
    path("check-ins/match/<id:match_id>/", views.new, name="new"),
    path("check-ins/link/<str:token>/", views.link, name="link"),
    path("check-ins/reminders/<id:reminder_id>/snooze/", views.snooze, name="snooze"),
]
