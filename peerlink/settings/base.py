"""Settings shared by every environment, read from the environment.

Every value has a safe default so that `make run` works on a bare machine:
SQLite, an embedded (filesystem) Celery broker and console email. Only the
secret key has none: `development.py` generates one, `production.py` requires it.
"""

import datetime
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured


class Env(environ.Env):
    """django-environ, but strict: a malformed value fails at start-up naming the variable."""

    TRUE_WORDS = {"true", "on", "ok", "y", "yes", "1"}
    FALSE_WORDS = {"false", "off", "n", "no", "0", ""}

    @staticmethod
    def _malformed(var, exc):
        return ImproperlyConfigured(f"The environment variable {var} is malformed: {exc}")

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ImproperlyConfigured:
            raise
        except (ValueError, TypeError) as exc:
            raise self._malformed(var, exc) from exc

    def bool(self, var, default=environ.Env.NOTSET):
        # django-environ reads any unknown word as False: "ture" would
        # silently turn a security setting off.
        raw = self.str(var, default=None)
        if raw is None:
            if default is environ.Env.NOTSET:
                return super().bool(var)
            return default
        word = raw.strip().lower()
        if word not in self.TRUE_WORDS | self.FALSE_WORDS:
            raise self._malformed(var, f"{raw!r} is neither true nor false")
        return word in self.TRUE_WORDS

    def _parsed_url(self, method, var, default):
        try:
            return method(var, default=default)
        except ImproperlyConfigured as exc:
            if var in str(exc):
                raise
            raise self._malformed(var, exc) from exc
        except (ValueError, TypeError, KeyError) as exc:
            raise self._malformed(var, exc) from exc

    def db_url(self, var="DATABASE_URL", default=environ.Env.NOTSET, engine=None):
        config = self._parsed_url(super().db_url, var, default)
        if "." not in (config.get("ENGINE") or ""):
            raise self._malformed(var, "it names no known database")
        return config

    def cache_url(self, var="CACHE_URL", default=environ.Env.NOTSET, backend=None):
        return self._parsed_url(super().cache_url, var, default)

    def email_url(self, var="EMAIL_URL", default=environ.Env.NOTSET, backend=None):
        return self._parsed_url(super().email_url, var, default)


BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = Env()
env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env.str("PEERLINK_VAR_DIR", default=str(BASE_DIR / "var")))

# Safe when nothing is set: no debug pages, and no secret-key default (start-up
# fails naming the variable). Development settings generate a key into var/.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "peerlink.apps.PeerLinkAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_celery_beat",
    "peerlink.apps.PeerLinkConfig",
    "solo",
    "allauth",
    "allauth.account",
    "members",
    "matching",
    "steps",
    "recovery",
    "checkins",
    "safety",
    "audit",
    "messaging",
    "home",
    "programme",
    "api",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "peerlink.middleware.CrisisFooterOnErrorPagesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "members.middleware.NoStoreForSignedInMiddleware",
    "members.middleware.LastActiveMiddleware",
    "members.middleware.MemberTimeZoneMiddleware",
]

ROOT_URLCONF = "peerlink.urls"
CSRF_FAILURE_VIEW = "peerlink.views.csrf_failure"
WSGI_APPLICATION = "peerlink.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "peerlink.context_processors.site",
                "peerlink.context_processors.unread_messages",
                "peerlink.context_processors.awaiting_requests",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite when DATABASE_URL is unset. The web server, the worker and beat share
# the file, so use WAL (readers never block the writer) and wait for locks
# instead of failing at once.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'peerlink.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://peerlink")}
# Every signed-in request reads its session: from a shared cache (Redis), written
# through to the database, when there is one. A cache of each process's own would
# keep a session there after sign-out in another process, so without a shared
# cache sessions are read from the database.
SHARED_CACHE = CACHES["default"]["BACKEND"] not in (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if SHARED_CACHE
    else "django.contrib.sessions.backends.db"
)

# The programme's settings rows (django-solo) are read from the database, one
# indexed query: a cached copy would outlive a change made by another process
# (the local-memory cache is per process) or by an `update()`, which skips save().
SOLO_CACHE = None
# The settings' admin list opens the one row (`ProgrammeSettingsAdmin`), so its
# address keeps its name and stays a redirect.
SOLO_ADMIN_SKIP_OBJECT_LIST_PAGE = False

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home:me"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("PEERLINK_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_FORMS = {
    "signup": "members.account_forms.SignupForm",
    "login": "members.account_forms.LoginForm",
    "change_password": "members.account_forms.ChangePasswordForm",
    "reset_password": "members.account_forms.ResetPasswordForm",
    "reset_password_from_key": "members.account_forms.ResetPasswordKeyForm",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[PeerLink] "
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"

# --- Sign-in protection: lockout per (email, address) and staff second factor --
INSTALLED_APPS += ["allauth.mfa", "axes"]
# Axes watches every failed sign-in and must come last.
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
# Axes first: it refuses a locked-out (email, address) pair before any password
# is checked. Then exactly one backend checks passwords, and it hashes a dummy
# password for an unknown email, so a failure costs the same as a success.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # allauth's, reading the member with the user on every signed-in request.
    "members.backends.AuthenticationBackend",
]
# A person guessing one account's password from one address is stopped; the
# account's owner elsewhere can still sign in (never lock everyone out).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "members.login_attempts.email_from_credentials"
AXES_CLIENT_IP_CALLABLE = "members.login_attempts.client_address"
# How many proxies (an HTTPS proxy, a load balancer) stand in front of PeerLink
# and append to X-Forwarded-For; 0 when clients connect directly.
PEERLINK_TRUSTED_PROXIES = env.int("PEERLINK_TRUSTED_PROXIES", default=0)
AXES_FAILURE_LIMIT = env.int("PEERLINK_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=env.int("PEERLINK_LOGIN_COOLOFF_MINUTES", default=15)
)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "members.views.sign_in_locked_out"
# Axes would log each failure with the email tried: keep addresses out of logs.
AXES_VERBOSE = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "PeerLink"
# Accept the code before and after the current one: phone clocks drift.
MFA_TOTP_TOLERANCE = 1
# Staff pass a second factor (TOTP or a recovery code) in the session before
# any admin page opens. Only development settings exempt anyone: the demo
# staff account that seed_demo creates.
PEERLINK_STAFF_MFA_EXEMPT: list[str] = []

# --- Email ------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds an SMTP server may take to answer before the send fails and is retried.
EMAIL_TIMEOUT = env.int("PEERLINK_EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="PeerLink <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "en-us"
# The programme's zone: staff without a member profile see times in it.
TIME_ZONE = env.str("PEERLINK_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Security headers (also on in development; production adds HTTPS) -------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Content-Security-Policy (django-csp) -----------------------------------
# Pages load only PeerLink's own scripts, styles and images. A <script> runs
# only from PeerLink or with this response's nonce (every template's script
# tags carry nonce="{{ request.csp_nonce }}"), so an injected inline script or
# event handler does not run. No inline styles: templates use classes from
# static/css. data: images are the authenticator QR code of two-factor set-up.
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Celery -----------------------------------------------------------------
# Without CELERY_BROKER_URL the broker is kombu's filesystem transport (with
# atomic writes and claims, peerlink/broker.py): no server needed, so the worker
# and beat run on a bare machine.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost//")
CELERY_BROKER_TRANSPORT = None
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT = "peerlink.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "staging_folder": str(BROKER_DIR / "staging"),
        "claimed_folder": str(BROKER_DIR / "claimed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # kombu waits this long whenever it has nothing to hand a free worker process
        # (1 s by default): with one message prefetched per process, that capped the
        # worker at about one task per process per second.
        "polling_interval": 0.05,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Nothing may be scheduled further ahead than this: future work lives in
    # the database and a periodic tick enqueues what is due.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
# A page that enqueues a task must not hang while the broker is away: give up
# quickly; the work is in an outbox row and a periodic sweep enqueues it again.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fixup closes the database connection around every task, so
# each task opened a new one (a new PostgreSQL backend). It now closes them
# only every this many tasks; peerlink/celery.py treats each task like a request
# instead (CONN_MAX_AGE, and CONN_HEALTH_CHECKS after a dropped connection).
CELERY_DB_REUSE_MAX = 1000

# Reminders: an enqueued reminder still unsent after this long is enqueued
# again (its message or worker was lost); a claim older than the task's hard
# time limit belongs to a dead worker and may be taken over.
PEERLINK_REMINDER_REQUEUE_SECONDS = env.int("PEERLINK_REMINDER_REQUEUE_SECONDS", default=300)
PEERLINK_REMINDER_CLAIM_SECONDS = env.int(
    "PEERLINK_REMINDER_CLAIM_SECONDS", default=CELERY_TASK_TIME_LIMIT + 30
)

# --- PeerLink ---------------------------------------------------------------
PEERLINK_MINIMUM_AGE = env.int("PEERLINK_MINIMUM_AGE", default=18)
# How often a newcomer may change what matching reads of them (recovery start
# date, preferred mentor gender) in 24 hours: docs/security.md, "Inference".
PEERLINK_MATCHING_INPUT_CHANGES_PER_DAY = env.int(
    "PEERLINK_MATCHING_INPUT_CHANGES_PER_DAY", default=3
)
# Retention: the daily purge blanks the free text of requests and matches that
# closed this many days ago, and deletes sign-ups that never verified their
# email nor signed in after this many days.
PEERLINK_RETENTION_ENDED_MATCH_DAYS = env.int("PEERLINK_RETENTION_ENDED_MATCH_DAYS", default=365)
PEERLINK_RETENTION_UNVERIFIED_SIGNUP_DAYS = env.int(
    "PEERLINK_RETENTION_UNVERIFIED_SIGNUP_DAYS", default=14
)
# Sign-in records (django-axes: the email tried, the address, when) are kept this long.
PEERLINK_RETENTION_SIGN_IN_RECORDS_DAYS = env.int(
    "PEERLINK_RETENTION_SIGN_IN_RECORDS_DAYS", default=90
)
# The address people reach PeerLink at, for links in emails.
PEERLINK_SITE_URL = env.str("PEERLINK_SITE_URL", default="http://localhost:8000")

# Crisis resources shown in the footer of every page. Override with a JSON list
# of {"label", "detail", "href"} objects for a deployment outside the US.
PEERLINK_CRISIS_RESOURCES = env.json(
    "PEERLINK_CRISIS_RESOURCES",
    default=[
        {
            "label": "988 Suicide & Crisis Lifeline",
            "detail": "Call or text 988",
            "href": "tel:988",
        },
        {
            "label": "SAMHSA National Helpline",
            "detail": "1-800-662-4357, free and confidential, 24/7",
            "href": "tel:18006624357",
        },
        {
            "label": "Emergency",
            "detail": "Call 911",
            "href": "tel:911",
        },
    ],
)
PEERLINK_CRISIS_NOTICE = env.str(
    "PEERLINK_CRISIS_NOTICE",
    default="PeerLink is not an emergency service. If you are in danger, call for help now.",
)

# Messages a member may send per window, as "<messages>/<seconds>" (counted in
# the shared cache, so every web process shares one count per member).
_message_rate = env.str("PEERLINK_MESSAGE_RATE_LIMIT", default="20/600")
try:
    PEERLINK_MESSAGE_RATE_LIMIT = tuple(int(part) for part in _message_rate.split("/"))
    if len(PEERLINK_MESSAGE_RATE_LIMIT) != 2 or min(PEERLINK_MESSAGE_RATE_LIMIT) < 1:
        raise ValueError
except ValueError as exc:
    raise ImproperlyConfigured(
        "PEERLINK_MESSAGE_RATE_LIMIT must look like 20/600 (messages/seconds)"
    ) from exc

# --- API (Django REST framework under /api/v1/, see docs/api.md) ----------------
# Requests per member, across their browser session and every personal token
# (and per integration token), counted in the shared cache: "<n>/<period>" with
# period second, minute, hour or day. PEERLINK_API_TOKEN_RATE is its former name.
# Suggestions, the costliest read, have a tighter limit of their own.
PEERLINK_API_RATE = env.str(
    "PEERLINK_API_RATE", default=env.str("PEERLINK_API_TOKEN_RATE", default="120/minute")
)
PEERLINK_API_SUGGESTIONS_RATE = env.str("PEERLINK_API_SUGGESTIONS_RATE", default="20/minute")
for _name in ("PEERLINK_API_RATE", "PEERLINK_API_SUGGESTIONS_RATE"):
    try:
        _count, _period = globals()[_name].split("/")
        if int(_count) < 1 or _period[0] not in "smhd":
            raise ValueError
    except (ValueError, IndexError) as exc:
        raise ImproperlyConfigured(
            f"{_name} must look like 120/minute (requests/second, minute, hour or day)"
        ) from exc
# Personal tokens a member may hold at once (revoked ones do not count).
PEERLINK_API_TOKENS_PER_MEMBER = env.int("PEERLINK_API_TOKENS_PER_MEMBER", default=10)
if PEERLINK_API_TOKENS_PER_MEMBER < 1:
    raise ImproperlyConfigured("PEERLINK_API_TOKENS_PER_MEMBER must be at least 1")
# A request body larger than this is refused with 413 (the API) or 400 (forms)
# before it is parsed; JSON nested deeper than PEERLINK_API_MAX_JSON_DEPTH is 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
PEERLINK_API_MAX_JSON_DEPTH = 32
REST_FRAMEWORK = {
    # A token first, so that a request with neither is answered 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.MemberRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PagePagination",
    "PAGE_SIZE": 25,
    # JSON only: the browsable API's pages would need inline scripts.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.PeerLinkAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PeerLink API",
    "DESCRIPTION": "Everything a member or staff member can do in the browser. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come from PeerLink itself, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Audit rows (staff reads, disclosures to peers) are kept this many years, then
# purged daily. Six at least: a shorter value stops start-up (audit.E001).
PEERLINK_AUDIT_RETENTION_YEARS = env.int("PEERLINK_AUDIT_RETENTION_YEARS", default=6)

LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"The environment variable DJANGO_LOG_LEVEL is malformed: {LOG_LEVEL}"
    )
ACCOUNT_EMAIL_VERIFICATION = ACCOUNT_EMAIL_VERIFICATION.lower()
if ACCOUNT_EMAIL_VERIFICATION not in {"mandatory", "optional", "none"}:
    raise ImproperlyConfigured(
        "The environment variable PEERLINK_EMAIL_VERIFICATION must be mandatory, optional or none."
    )

# Every handler redacts secrets carried in URLs (check-in links, email
# confirmation and password-reset keys). Django's own "django" and
# "django.server" (runserver's request lines) loggers are configured here so
# that no handler without the filter is left on them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "peerlink.log_redaction.RedactSecretsFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Its DEBUG records quote the whole template context (names, emails,
        # notes) when a variable is missing; never emit them, whatever the
        # "django" logger's level.
        "django.template": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
