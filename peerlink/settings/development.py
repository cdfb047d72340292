"""Development settings: `make run`, manage.py, the Celery worker and the tests.

Never a public secret key: unless DJANGO_SECRET_KEY is set, one is generated
into PEERLINK_VAR_DIR (var/secret_key, readable by its owner only) on first use
and reused after. DEBUG is off unless DJANGO_DEBUG=true (`make run DEBUG=1`).
"""

import os
from pathlib import Path

import environ

from peerlink.keyfile import read_or_create_secret_key

# Base settings refuse to start without DJANGO_SECRET_KEY, so it is supplied
# before they load; processes started from this one (the worker) inherit it.
_PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
environ.Env.read_env(_PROJECT_DIR / ".env", overwrite=False)
if not os.environ.get("DJANGO_SECRET_KEY"):
    _var_dir = Path(os.environ.get("PEERLINK_VAR_DIR") or _PROJECT_DIR / "var")
    os.environ["DJANGO_SECRET_KEY"] = read_or_create_secret_key(_var_dir / "secret_key")

from .base import *  # noqa: E402, F403

# With DEBUG off runserver serves no static files: WhiteNoise serves them
# straight from static/ and the apps, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The console email backend prints the worker's emails as a developer's inbox,
# check-in links included; celery would otherwise route them through logging,
# which redacts those links (peerlink/log_redaction.py).
CELERY_WORKER_REDIRECT_STDOUTS = False

# The demo staff account seed_demo creates (members.management.commands.seed_demo.STAFF_EMAIL)
# opens the admin without a second factor; every other staff account needs one.
PEERLINK_STAFF_MFA_EXEMPT = ["staff@demo.peerlink.test"]
