"""Thin views over `selectors` (the dashboard's numbers) and `queue` (what needs a person)."""

from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse


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
    return TemplateResponse(
        request, "admin/programme/queue.html", _context(request, "Needs a person")
    )
