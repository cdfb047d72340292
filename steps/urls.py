from django.urls import path

from . import views

app_name = "steps"

urlpatterns = [
    path("me/steps/", views.mine, name="mine"),
    path("me/steps/<int:step_id>/edit/", views.edit, name="edit"),
    path("me/steps/<int:step_id>/share/", views.share, name="share"),
    path("me/steps/<int:step_id>/retire/", views.retire, name="retire"),
    path("me/steps/<int:step_id>/answer/", views.answer, name="answer"),
]
