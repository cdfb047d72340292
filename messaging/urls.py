from django.urls import path

import peerlink.ids  # noqa: F401  (registers <id:…>)

from . import report_views

app_name = "messaging"

urlpatterns = [
    path(
        "messages/<id:match_id>/report/<id:message_id>/",
        report_views.report,
        name="report",
    ),
]
