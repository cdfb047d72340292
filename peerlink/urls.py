from django.contrib import admin
from django.urls import include, path

from members.views import SignupView

from . import views

admin.site.site_header = "PeerLink staff"
admin.site.site_title = "PeerLink staff"
admin.site.index_title = "Programme administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/signup/", SignupView.as_view(), name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("admin/", include("programme.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    # Before members: its profile/<section>/ would take profile/disclosures/ and profile/tokens/.
    path("", include("audit.urls")),
    path("", include("api.page_urls")),
    path("", include("home.urls")),
    path("", include("members.urls")),
    path("", include("matching.urls")),
    path("", include("messaging.urls")),
    path("", include("checkins.urls")),
    path("", include("safety.urls")),
    path("", include("steps.urls")),
    path("", include("recovery.urls")),
]

handler400 = "peerlink.views.bad_request"
handler500 = "peerlink.views.server_error"
