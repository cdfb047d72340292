from django.template.loader import render_to_string

from .context_processors import site


class CrisisFooterOnErrorPagesMiddleware:
    """Put the crisis resources on every HTML error page, Django's own included.

    PeerLink's error templates carry the footer. Django's debug pages (a 404, a
    bad Host, a crash, with DEBUG on in development) do not, and someone in
    crisis may be the one who sees them. Keep this first in MIDDLEWARE so that
    it sees the responses every other layer turned an error into.
    """

    FOOTER_MARKER = b'id="crisis"'

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and self.FOOTER_MARKER not in response.content
        ):
            footer = render_to_string("includes/crisis_footer.html", site(request)).encode()
            content = response.content
            end = content.rfind(b"</body>")
            if end == -1:
                end = len(content)
            response.content = content[:end] + footer + content[end:]
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
