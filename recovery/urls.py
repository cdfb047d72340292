from django.urls import path

from . import views

app_name = "recovery"

urlpatterns = [
    path("me/recovery-check/", views.check, name="check"),
    path("me/recovery/", views.trend, name="trend"),
]
