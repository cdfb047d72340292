from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("profile/disclosures/", views.accounting, name="accounting"),
]
