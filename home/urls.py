from django.urls import path

from . import views

app_name = "home"

urlpatterns = [
    path("me/", views.me, name="me"),
    path("me/pause/", views.pause, name="pause"),
]
