"""Thin views over `selectors` (the dashboard's numbers) and `queue` (what needs a person)."""

import csv
import secrets

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse

from audit.models import ReportKind
from audit.services import record_report_read
from matching import selectors as matching_selectors
from matching.models import MatchingSettings

from . import charts, selectors
from .forms import ExportForm, PeriodForm
from .queue import Kind, needs_a_person

DASHBOARD_PERMISSION = "programme.view_dashboard"


def _context(request, title: str) -> dict:
    return {**admin.site.each_context(request), "title": title}


def _require_dashboard_permission(request) -> None:
    if not request.user.has_perm(DASHBOARD_PERMISSION):
        raise PermissionDenied


def _report(request, *, kind: str, template: str, title: str):
    """Render the programme's numbers for the period asked for, and audit the read."""
    _require_dashboard_permission(request)
    form = PeriodForm(request.GET)
    period = form.period
    numbers = selectors.programme_numbers(period=period)
    record_report_read(request.user, kind=kind, start=period.start, end=period.end)
    return TemplateResponse(
        request,
        template,
        {
            **_context(request, title),
            "form": form,
            "numbers": numbers,
            "charts": charts.dashboard_charts(numbers),
        },
    )


def dashboard(request):
    return _report(
        request,
        kind=ReportKind.DASHBOARD,
        template="admin/programme/dashboard.html",
        title="Programme dashboard",
    )


def summary(request):
    return _report(
        request,
        kind=ReportKind.SUMMARY,
        template="admin/programme/summary.html",
        title="Programme summary",
    )


def _csv_cell(value):
    # A spreadsheet runs a cell that starts like a formula; names staff typed could.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def pairings_csv(request):
    """The funder CSV: one row per match, or per recovery-check answer (`kind=answers`)."""
    _require_dashboard_permission(request)
    form = ExportForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(e)}" for field, e in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    period, key = form.period, secrets.token_hex(16)
    if form.export_kind == "answers":
        kind, columns = ReportKind.ANSWERS_CSV, selectors.ANSWER_COLUMNS
        rows = list(selectors.answer_rows(period, key=key))
    else:
        kind, columns = ReportKind.PAIRINGS_CSV, selectors.PAIRING_COLUMNS
        rows = list(selectors.pairing_rows(period, key=key))
    record_report_read(request.user, kind=kind, start=period.start, end=period.end, rows=len(rows))
    name = f"peerlink-{form.export_kind}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(columns)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return response


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
        "unmatched_days": MatchingSettings.get_solo().unmatched_queue_days,
    }
    return TemplateResponse(request, "admin/programme/queue.html", context)
