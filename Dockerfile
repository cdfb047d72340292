# PeerLink: one image for the web server (the default command), the Celery
# worker and Celery beat. See docker-compose.yml for how they are wired up.
FROM python:3.11-slim

# PYTHONPATH: the settings find templates/ and static/ next to the peerlink
# package (BASE_DIR comes from __file__), so the copy in /app must win over the
# one `pip install .` puts in site-packages, for gunicorn and celery alike.
# DJANGO_STATIC_ROOT: outside /app/var, so a volume mounted there cannot hide it.
# WEB_CONCURRENCY: gunicorn's number of worker processes.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=peerlink.settings.production \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 1000 peerlink \
    && useradd --system --uid 1000 --gid peerlink --home-dir /app --shell /usr/sbin/nologin peerlink

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so that this layer is reused
# when only the code changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself. README.m[d] matches nothing rather than failing if the
# file is absent. Files stay owned by root: the app user can read, not change.
COPY README.m[d] manage.py ./
COPY peerlink ./peerlink
COPY members ./members
COPY matching ./matching
COPY steps ./steps
COPY recovery ./recovery
COPY checkins ./checkins
COPY safety ./safety
COPY audit ./audit
COPY messaging ./messaging
COPY home ./home
COPY programme ./programme
COPY api ./api
COPY templates ./templates
COPY static ./static
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info

# Static files are collected into the image. The secret key and host are
# placeholders set for this one command only (not ARG/ENV, so they persist in
# no later layer); the real ones are supplied at run time, and production
# settings refuse to start without them. /app/var is then the only place the
# app user may write (the SQLite fallback and the embedded broker live there).
RUN DJANGO_SECRET_KEY=collectstatic-only-placeholder-not-a-secret \
    DJANGO_ALLOWED_HOSTS=collectstatic.invalid \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var \
    && chown -R peerlink:peerlink /app/var

USER peerlink:peerlink

EXPOSE 8000

# No HEALTHCHECK here: the same image runs the worker and beat, which need
# their own checks (docker-compose.yml defines one per service).
# The logger class keeps check-in and password-reset tokens out of the access log.
# The config reads the suggestable mentors' cards as each worker starts.
CMD ["gunicorn", "peerlink.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-", "--logger-class", "peerlink.gunicorn_logging.RedactingLogger", "--config", "python:peerlink.gunicorn_config"]
