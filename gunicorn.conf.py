"""gunicorn for `make serve` and the Procfile, configured only by the environment.

WEB_WORKERS (default: 2 per CPU, plus one) processes, each with WEB_THREADS (default 4)
threads, on PORT (default 8000). Requests, access lines and errors go to stdout. It refuses
to start with DEBUG on (the laptop default), saying what to set.
"""

import multiprocessing
import os
import sys

from avatarstudio.env import env_bool

if env_bool("DEBUG", True):
    # DEBUG is on by default for a laptop, with a published secret key: never serve that.
    sys.exit(
        "Refusing to serve with DEBUG on. Set DEBUG=0, SECRET_KEY and ALLOWED_HOSTS (see the "
        "README's Production section), or use `make run` on a laptop."
    )

bind = f"{os.environ.get('WEB_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
workers = int(os.environ.get("WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("WEB_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", 60))  # uploads of 20 MB on slow links
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", 2000))
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Load what a first request would (the URLs, the cache's Redis client) before taking one:
    a worker restarted after max_requests answers its first poll as fast as its thousandth."""
    from django.conf import settings
    from django.core.cache import caches
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view)
    for alias in settings.CACHES:
        caches[alias].get("warm-up")
