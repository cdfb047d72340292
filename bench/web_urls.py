"""The benchmark's URLs: every PeerLink URL, and a one-query reference page.

The reference page is what a Django page costs at the least on this machine:
one count and a small template, behind the same middleware as every page.
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from members.models import Member
from peerlink import urls

REFERENCE_TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>Reference</title><p>{{ count }} members</p>"
)


def reference(request):
    return HttpResponse(REFERENCE_TEMPLATE.render({"count": Member.objects.count()}))


urlpatterns = [path("bench/reference/", reference), *urls.urlpatterns]
handler400 = urls.handler400
handler500 = urls.handler500
