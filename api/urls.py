"""/api/: version 1 of the API, its OpenAPI schema and its documentation page.

Endpoints are named `api:v1:<name>`; a new endpoint is one line in `v1`.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

import peerlink.ids  # noqa: F401  (registers <id:…>)

from . import views, views_member
from .exceptions import not_found

app_name = "api"

v1 = [
    path("me/", views.MeView.as_view(), name="me"),
    path("tags/", views.TagList.as_view(), name="tags"),
    path("languages/", views.LanguageList.as_view(), name="languages"),
    path("checkins/", views_member.CheckInList.as_view(), name="checkins"),
    path(
        "reminders/<id:reminder_id>/snooze/",
        views_member.ReminderSnooze.as_view(),
        name="reminder-snooze",
    ),
    path("matches/<id:match_id>/messages/", views_member.MessageList.as_view(), name="messages"),
    path("me/disclosures/", views_member.MyDisclosures.as_view(), name="me-disclosures"),
    path("me/export/", views_member.MyExport.as_view(), name="me-export"),
    path("me/delete/", views_member.MyDelete.as_view(), name="me-delete"),
]

urlpatterns = [
    path("v1/", include((v1, "v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(url_name="api:schema"), name="docs"),
    # Anything else under /api/ is a 404 in the API's error shape, not an HTML page.
    re_path(r"^.*$", not_found),
]
