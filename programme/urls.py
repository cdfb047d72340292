"""The coordinator's pages, inside the staff admin: the dashboard, its printable
summary and funder CSV, and the one queue of what needs a person."""

from django.contrib import admin
from django.urls import path

from . import views

app_name = "programme"

urlpatterns = [
    path("dashboard/", admin.site.admin_view(views.dashboard), name="dashboard"),
    path("dashboard/summary/", admin.site.admin_view(views.summary), name="summary"),
    path("dashboard/pairings.csv", admin.site.admin_view(views.pairings_csv), name="pairings_csv"),
    path("needs-attention/", admin.site.admin_view(views.queue), name="queue"),
]
