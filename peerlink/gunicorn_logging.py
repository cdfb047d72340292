"""gunicorn's logger, with secrets from URLs left out of access and error lines.

    gunicorn peerlink.wsgi:application --access-logfile - \
        --logger-class peerlink.gunicorn_logging.RedactingLogger
"""

from gunicorn.glogging import Logger

from .log_redaction import RedactSecretsFilter


class RedactingLogger(Logger):
    """Redact check-in, email-confirmation and password-reset tokens from every line."""

    def setup(self, cfg):
        super().setup(cfg)
        # setup() runs again on a reload and builds new handlers: filter those too.
        for handler in [*self.error_log.handlers, *self.access_log.handlers]:
            if not any(isinstance(f, RedactSecretsFilter) for f in handler.filters):
                handler.addFilter(RedactSecretsFilter())
