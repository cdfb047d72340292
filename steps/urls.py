from django.urls import path

from . import views

app_name = "steps"

urlpatterns = [
    path("me/steps/", views.mine, name="mine"),
]
