from django.urls import path

from . import views

app_name = "checkins"

urlpatterns = [
    path("check-ins/", views.upcoming, name="upcoming"),
    path("check-ins/match/<int:match_id>/", views.new, name="new"),
    path("check-ins/link/<str:token>/", views.link, name="link"),
    path("check-ins/reminders/<int:reminder_id>/snooze/", views.snooze, name="snooze"),
]
