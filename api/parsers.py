"""JSON request bodies, within limits: a body too large is 413, JSON nested too
deeply is 400, both in the API's error shape and before any view sees them."""

import codecs
import itertools
import json
import re

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json as drf_json

# A JSON string, escapes included: brackets inside one do not nest anything.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self):
        limit_kb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        super().__init__(f"The request body is too large: send at most {limit_kb:,} KB.")


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in a JSON text."""
    brackets = _BRACKETS.findall(_STRING.sub("", text))
    return max(itertools.accumulate(_DEPTH_STEP[b] for b in brackets), default=0)


class LimitedJSONParser(JSONParser):
    """DRF's JSON parser, refusing a body over DATA_UPLOAD_MAX_MEMORY_SIZE bytes and
    JSON nested deeper than PEERLINK_API_MAX_JSON_DEPTH (which would otherwise
    exhaust Python's recursion limit and end as a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = parser_context.get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge
        # Read one byte past the limit: a body without a true length is caught too.
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise RequestTooLarge
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(body, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding} text.") from exc
        depth_limit = settings.PEERLINK_API_MAX_JSON_DEPTH
        if nesting_depth(text) > depth_limit:
            raise ParseError(
                f"JSON parse error - arrays and objects may nest at most {depth_limit} deep."
            )
        try:
            parse_constant = drf_json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
