from django.urls import path

import peerlink.ids  # noqa: F401  (registers <id:…>)

from . import views

app_name = "safety"

urlpatterns = [
    path("help-now/", views.help_now, name="help_now"),
    path("resources/", views.resources, name="resources"),
    path(
        "messages/<id:match_id>/tell-staff/<id:message_id>/",
        views.tell_staff,
        name="tell_staff",
    ),
    path(
        "messages/<id:match_id>/report/<id:message_id>/",
        views.report_message,
        name="report_message",
    ),
    path("peers/<id:member_id>/block/", views.block, name="block"),
    path("peers/<id:member_id>/report/", views.report, name="report"),
]
