from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("welcome/", views.onboarding_resume, name="onboarding"),
    path("welcome/<slug:step>/", views.onboarding_step, name="onboarding_step"),
    path("profile/", views.profile, name="profile"),
    path("profile/my-data/", views.export_my_data, name="export"),
    path("profile/delete/", views.delete_account, name="delete"),
    path("goodbye/", views.goodbye, name="goodbye"),
    path("profile/<slug:section>/", views.profile_edit, name="profile_edit"),
]
