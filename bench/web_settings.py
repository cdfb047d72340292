"""Settings for `python -m bench.web`: production's, over plain HTTP on 127.0.0.1.

Only the benchmark uses them. They add the one-query reference page
(bench/web_urls.py) that the member pages are measured against.
"""

from peerlink.settings.production import *  # noqa: F403
from peerlink.settings.production import STORAGES, env

ROOT_URLCONF = "bench.web_urls"

if not env.bool("BENCH_WEB_COMPRESS_STATIC", default=True):
    STORAGES = {
        **STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }

# Every simulated member signs in from 127.0.0.1: allauth's limit of 30 sign-ins a
# minute per address would refuse most of them, as it would not refuse members
# signing in from addresses of their own. The per-account limits stay.
ACCOUNT_RATE_LIMITS = {"login": "100000/m/ip"}
