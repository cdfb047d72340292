"""The OpenAPI schema: the bearer token scheme, and the one error shape on every operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal access token (created on your profile) or an integration "
                "token (issued by staff), sent as `Authorization: Bearer <token>`."
            ),
        }


ERROR_STATUSES = {
    "GET": ["401", "403", "404", "429"],
    "PATCH": ["400", "401", "403", "404", "409", "413", "429"],
    "PUT": ["400", "401", "403", "404", "409", "413", "429"],
    "POST": ["400", "401", "403", "404", "409", "413", "429"],
    "DELETE": ["401", "403", "404", "409", "429"],
}


class PeerLinkAutoSchema(AutoSchema):
    """Every operation documents the error answers it can give, in the one error shape."""

    def _get_response_bodies(self, direction="response"):
        from .serializers import ErrorSerializer

        responses = super()._get_response_bodies(direction)
        if self.view.__class__.__module__.startswith("drf_spectacular"):
            return responses
        codes = ERROR_STATUSES.get(self.method, [])
        if self.method == "GET" and self.get_override_parameters():
            # Its query parameters (a filter, `?reason=`) can be invalid or missing.
            codes = ["400", *codes]
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
        return responses
