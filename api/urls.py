"""/api/: version 1 of the API, its OpenAPI schema and its documentation page.

Endpoints are named `api:v1:<name>`; a new endpoint is one line in `v1`.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from . import views
from .exceptions import not_found

app_name = "api"

v1 = [
    path("me/", views.MeView.as_view(), name="me"),
    path("tags/", views.TagList.as_view(), name="tags"),
    path("languages/", views.LanguageList.as_view(), name="languages"),
]

urlpatterns = [
    path("v1/", include((v1, "v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(url_name="api:schema"), name="docs"),
    # Anything else under /api/ is a 404 in the API's error shape, not an HTML page.
    re_path(r"^.*$", not_found),
]
