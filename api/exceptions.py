"""One error shape for every answer under /api/:

    {"error": {"code": "...", "message": "...", "fields": {...}}}

`fields` appears only with 400 (each invalid field and its messages). The
services' domain errors become 409 with their message, which is written for
people; anything unexpected becomes a 500 that says nothing about its cause.
"""

import logging

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from audit.services import AuditError
from checkins.services import CheckinError
from matching.services import MatchError
from members.services import MemberError
from messaging.services import ConversationNotFound, MessagingError, RateLimited
from recovery.services import RecoveryCheckError

from .parsers import RequestTooLarge
from .services import TokenError

logger = logging.getLogger(__name__)

# Domain errors the services raise for a step the rules do not allow: 409.
DOMAIN_ERRORS = (
    MatchError,
    MemberError,
    CheckinError,
    MessagingError,
    AuditError,
    TokenError,
    RecoveryCheckError,
)
# Raised for an object that is not the requester's, or does not exist: 404.
NOT_FOUND_ERRORS = (Http404, ObjectDoesNotExist, ConversationNotFound)

NOT_FOUND_MESSAGE = "Not found."
SERVER_ERROR_MESSAGE = "Something went wrong on our side. Please try again later."
INVALID_MESSAGE = "Some fields need attention."


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def _message(detail) -> str:
    if isinstance(detail, list) and detail:
        return _message(detail[0])
    if isinstance(detail, dict) and detail:
        return _message(next(iter(detail.values())))
    return str(detail)


def _fields(detail) -> dict:
    """Each invalid field and its messages, as a flat {name: [messages]}.

    The messages about an item of a list go with the list's name; a part of a
    nested object is named by its path (`contact.email`). The shape stays the
    documented one.
    """
    fields: dict[str, list[str]] = {}
    _collect(fields, "", detail)
    return fields


def _collect(fields: dict, path: str, detail) -> None:
    if isinstance(detail, dict):
        for name, value in detail.items():
            item = path and str(name).isdigit()  # a list's item: {0: [...]}
            _collect(fields, path if item else f"{path}.{name}" if path else str(name), value)
    elif isinstance(detail, list):
        for value in detail:
            _collect(fields, path, value)
    else:
        fields.setdefault(path or "non_field_errors", []).append(str(detail))


def api_exception_handler(exc, context):
    """REST framework's EXCEPTION_HANDLER: every error in the one shape."""
    if isinstance(exc, RateLimited):
        exc = exceptions.Throttled(wait=exc.retry_after, detail=str(exc))
    elif isinstance(exc, RequestDataTooBig):
        # Django's own limit, met when something read the body before the parser.
        exc = RequestTooLarge()
    elif isinstance(exc, DOMAIN_ERRORS):
        set_rollback()
        return Response(error_body("conflict", str(exc)), status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, NOT_FOUND_ERRORS):
        exc = exceptions.NotFound(NOT_FOUND_MESSAGE)

    response = drf_exception_handler(exc, context)
    if response is None:
        set_rollback()
        logger.error("Unexpected error in an API view", exc_info=exc)
        return Response(
            error_body("server_error", SERVER_ERROR_MESSAGE),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", INVALID_MESSAGE, _fields(exc.detail))
    elif isinstance(exc, exceptions.NotFound):
        response.data = error_body("not_found", NOT_FOUND_MESSAGE)
    else:
        code = getattr(exc, "default_code", "error")
        response.data = error_body(code, _message(exc.detail))
    return response


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any address under /api/ that names no endpoint, whatever the method.

    Exempt from CSRF like every API view: it changes nothing, and a write to a
    wrong address must get the API's 404, not the pages' CSRF failure page.
    """
    return JsonResponse(error_body("not_found", NOT_FOUND_MESSAGE), status=404)
