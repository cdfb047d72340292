"""Thin views over `selectors` (the dashboard's numbers) and `queue` (what needs a person)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse

from matching import selectors as matching_selectors
from matching.models import MatchingSettings

from .queue import Kind, needs_a_person


def _context(request, title: str) -> dict:
    return {**admin.site.each_context(request), "title": title}


def dashboard(request):
    return TemplateResponse(
        request, "admin/programme/dashboard.html", _context(request, "Programme dashboard")
    )


def summary(request):
    return TemplateResponse(
        request, "admin/programme/summary.html", _context(request, "Programme summary")
    )


def pairings_csv(request):
    return HttpResponse("", content_type="text/csv; charset=utf-8")


def queue(request):
    if not request.user.has_perm("programme.view_queue"):
        raise PermissionDenied
    kind = request.GET.get("kind")
    kind = kind if kind in Kind.values else None
    found = needs_a_person(kind=kind)
    context = {
        **_context(request, "Needs a person"),
        "kind": kind,
        "kind_label": Kind.labels.get(kind, ""),
        "queue": found,
        "unmatched": found.count_of(Kind.UNMATCHED),
        "waiting": matching_selectors.newcomers_waiting_count(),
        "unmatched_days": MatchingSettings.current().unmatched_queue_days,
    }
    return TemplateResponse(request, "admin/programme/queue.html", context)
