"""Project-level views: the home page, health check and error pages."""

import logging

from django.db import connection
from django.http import HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from api.exceptions import SERVER_ERROR_MESSAGE, error_body

from .celery import app as celery_app
from .context_processors import site

logger = logging.getLogger(__name__)


def home(request):
    return render(request, "home.html")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("Health check: database unreachable", exc_info=True)
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.warning("Health check: broker unreachable", exc_info=True)
        return False


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    failing = [name for name, ok in checks.items() if not ok]
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {name: "ok" if ok else "unreachable" for name, ok in checks.items()},
    }
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    """The API's error shape, for failures before or outside its views."""
    return JsonResponse(error_body(code, message), status=status)


def server_error(request):
    """Render the 500 page with the crisis resources (the default handler has no context);
    under /api/, answer in the API's JSON error shape instead."""
    if _is_api(request):
        return _api_error(500, "server_error", SERVER_ERROR_MESSAGE)
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render(site(request)))


def bad_request(request, exception):
    """Render the 400 page (a bad Host header, say) with the crisis resources.

    Like the 500 page it stands alone: the request may have failed before the
    middleware that base.html relies on ran. Under /api/ it answers JSON.
    """
    if _is_api(request):
        return _api_error(400, "bad_request", "This request could not be read.")
    template = loader.get_template("400.html")
    return HttpResponseBadRequest(template.render(site(request)))


def csrf_failure(request, reason=""):
    """Explain a refused form in plain words, with the crisis resources, not Django's page."""
    return render(request, "403_csrf.html", status=403)
