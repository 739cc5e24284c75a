"""AvatarStudio settings: one file, configured by environment variables.

Every value has an embedded default that suits a laptop (SQLite, a local media folder, the
database task queue, console email). Production sets ``DEBUG=0`` and must then provide
``SECRET_KEY`` and ``ALLOWED_HOSTS``; the README lists every variable.
"""

from __future__ import annotations

from operator import attrgetter
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from avatarstudio.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_rates,
    env_required,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", True)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY") or "insecure-laptop-only-key-never-used-with-debug-off"
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
else:
    SECRET_KEY = env_required(
        "SECRET_KEY",
        "Set it to a long random string, for example the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
    )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. Set it to the host names this site answers to, "
            "separated by commas, for example `ALLOWED_HOSTS=avatars.example.com`."
        )

SITE_NAME = env_str("SITE_NAME", "AvatarStudio")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "django_htmx",
    "django_tasks_db",
    "avatarstudio.core",
    "avatarstudio.accounts",
    "avatarstudio.studio",
    "avatarstudio.simulator",
    "avatarstudio.library",
    "avatarstudio.avatars",
    "avatarstudio.batches",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # An unchanged status card's poll is answered here, before the session is read.
    "avatarstudio.studio.middleware.UnchangedCardMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "avatarstudio.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "avatarstudio.accounts.middleware.TeamMiddleware",
]

if not DEBUG:  # gunicorn serves the collected static files itself, compressed and cached
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "avatarstudio.urls"
WSGI_APPLICATION = "avatarstudio.wsgi.application"

# Forms render through our templates: {{ field.as_field_group }} uses templates/forms/field.html.
FORM_RENDERER = "avatarstudio.core.forms.FormRenderer"

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
                "avatarstudio.accounts.context_processors.site",
            ],
        },
    },
]

# Database: SQLite in var/ unless DATABASE_URL names another (postgres://…).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The web server and the worker share the file: WAL lets readers and a writer overlap,
    # IMMEDIATE transactions take the write lock up front instead of failing half way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file too: an in-memory database shared between threads (the live server,
    # a worker) answers "table is locked" at once instead of waiting for the lock.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work: Django's Tasks framework, rows in the database, `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Files: a local folder through the storage API; production may switch to S3.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or VAR_DIR / "static")
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves static files from gunicorn through WhiteNoise, compressed, with
    # content hashes in their names (run `collectstatic` at deploy).
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Media on any S3-compatible store when a bucket is named. Objects are private and reach
# browsers only through short-lived signed URLs, after the app has checked team access.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "signature_version": "s3v4",
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE") or None,
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 300),
        },
    }

# Accounts (django-allauth): sign in with an email address and a password.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_DISPLAY = attrgetter("email")
# In production a new account confirms its address before it signs in, which lets sign-up
# keep quiet about who has an account: an address already registered gets the same "check
# your email" page, and its owner an email saying so, instead of "already registered". On the
# laptop email only reaches the console, so there a new account is signed in at once.
ACCOUNT_EMAIL_VERIFICATION = env_str(
    "ACCOUNT_EMAIL_VERIFICATION", "optional" if DEBUG else "mandatory"
)
if ACCOUNT_EMAIL_VERIFICATION not in ("mandatory", "optional", "none"):
    raise ImproperlyConfigured(
        "ACCOUNT_EMAIL_VERIFICATION must be one of mandatory, optional, none, "
        f"not {ACCOUNT_EMAIL_VERIFICATION!r}."
    )
ACCOUNT_PREVENT_ENUMERATION = True
# The emailed link signs the new account in when it is opened in the browser that signed up
# (allauth keeps the pending sign-in in that session only), and goes on to the page it came for.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "avatarstudio.accounts.adapter.AccountAdapter"
SIGNUP_OPEN = env_bool("SIGNUP_OPEN", True)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# The cache holds the rate limits' counters (ours and allauth's): Redis when CACHE_URL (or
# REDIS_URL, as some platforms name it) is set, so that every web process counts together;
# otherwise each process counts alone, in its own memory, which suits one laptop.
CACHE_URL = env_str("CACHE_URL") or env_str("REDIS_URL")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "avatarstudio.core.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "avatarstudio",
            # A request waits this long at most for a counter; after that it goes ahead.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
elif CACHE_URL:
    # The URL may hold a password: name only what was expected.
    raise ImproperlyConfigured(
        "CACHE_URL (or REDIS_URL) must be a redis://, rediss:// or unix:// URL of a Redis server."
    )
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Status cards' digests (avatarstudio/studio/cards.py), checked by every poll: every web
# process and worker must see the same ones, so Redis when there is one, else a folder of
# files beside the database (one machine). A poll whose token is older than
# CARD_POLL_TOKEN_SECONDS is rendered again whatever the digests say.
if "LOCATION" in CACHES["default"]:
    CACHES["cards"] = {**CACHES["default"], "KEY_PREFIX": "avatarstudio-cards"}
else:
    CACHES["cards"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "cards"),
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    }
CARD_CACHE = "cards"
CARD_POLL_TOKEN_SECONDS = env_int("CARD_POLL_TOKEN_SECONDS", 120)

# Rate limits on the expensive actions, as amount/window/whose (user or ip; windows s, m, h, d
# such as 10m), comma separated; empty turns one off. A refused request gets a 429 saying when
# to try again (avatarstudio/core/ratelimit.py).
RATE_LIMITS = {
    "create": env_rates("RATE_LIMIT_CREATE", "30/h/user,120/h/ip"),
    "photo_url": env_rates("RATE_LIMIT_PHOTO_URL", "20/h/user,60/h/ip"),
    "voice_preview": env_rates("RATE_LIMIT_VOICE_PREVIEW", "60/h/user,200/h/ip"),
    "key_test": env_rates("RATE_LIMIT_KEY_TEST", "10/h/user,30/h/ip"),
    "signup": env_rates("RATE_LIMIT_SIGNUP", "20/h/ip"),
    "invite": env_rates("RATE_LIMIT_INVITE", "20/h/user,60/h/ip"),
    # The create page's live check of a chosen photo or voice: no credit, but CPU.
    "preflight": env_rates("RATE_LIMIT_PREFLIGHT", "300/h/user,600/h/ip"),
}
# Sign-up is counted by RATE_LIMITS above, not twice; allauth's other limits (sign-in attempts,
# password resets) stay as allauth sets them, and answer with our 429 page (urls.handler429).
ACCOUNT_RATE_LIMITS = {"signup": None}
# The client's address is REMOTE_ADDR, unless this many proxies of ours stand in front, each
# appending the address it saw to X-Forwarded-For (BEHIND_PROXY means one).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_PROXY else 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# Teams' CometAPI keys are stored encrypted with Fernet. TEAM_KEY_ENCRYPTION_KEYS lists Fernet
# keys, newest first (older ones still decrypt, for rotation); without it one is derived from
# SECRET_KEY, so changing SECRET_KEY then makes stored team keys unreadable.
TEAM_KEY_ENCRYPTION_KEYS = env_list("TEAM_KEY_ENCRYPTION_KEYS")
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)

# Email: printed to the console unless an SMTP host is given.
if env_str("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST"),
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": env_int("EMAIL_TIMEOUT", 20),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "AvatarStudio <studio@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The provider: CometAPI (or Kling's own API) when a key is set, else the built-in simulator.
COMETAPI_KEY = env_str("COMETAPI_KEY")
KLING_API_STYLE = env_str("KLING_API_STYLE", "cometapi")
KLING_ACCESS_KEY = env_str("KLING_ACCESS_KEY")
KLING_SECRET_KEY = env_str("KLING_SECRET_KEY")
KLING_EXTERNAL_ID_LOOKUP = env_str("KLING_EXTERNAL_ID_LOOKUP", "path")
KLING_TIMEOUT_SECONDS = env_float("KLING_TIMEOUT_SECONDS", 30.0)
# Tasks one provider key runs at once (Kling's resource packs allow 5 to 20): more wait here.
KLING_MAX_CONCURRENT = env_int("KLING_MAX_CONCURRENT", 3)
# A batch's videos running at once; 0 means one fewer than KLING_MAX_CONCURRENT (at least 1).
BATCH_ROWS_AT_ONCE = env_int("BATCH_ROWS_AT_ONCE", 0)
# The longest voice made into one video, in parts of at most the provider's maximum.
LONG_VIDEO_MAX_SECONDS = env_float("LONG_VIDEO_MAX_SECONDS", 600.0)
# The longest typed script: about ten minutes of speech, spoken 1,000 characters a call.
LONG_SCRIPT_MAX_CHARS = env_int("LONG_SCRIPT_MAX_CHARS", 10_000)
KLING_WEBHOOK_SECRET = env_str("KLING_WEBHOOK_SECRET")
SIMULATOR_PORT = env_int("SIMULATOR_PORT", 8765)
KLING_USE_SIMULATOR = env_bool(
    "KLING_USE_SIMULATOR", DEBUG and not (COMETAPI_KEY or KLING_ACCESS_KEY)
)
COMETAPI_BASE_URL = env_str("COMETAPI_BASE_URL") or (
    f"http://127.0.0.1:{SIMULATOR_PORT}" if KLING_USE_SIMULATOR else "https://api.cometapi.com"
)
if KLING_USE_SIMULATOR and not COMETAPI_KEY:
    COMETAPI_KEY = env_str("SIMULATOR_KEY") or "simulator"
# The simulator's own settings (`manage.py kling_simulator`).
SIMULATOR_KEY = env_str("SIMULATOR_KEY")
SIMULATOR_DIR = Path(env_str("SIMULATOR_DIR") or VAR_DIR / "simulator")
SIMULATOR_SUBMITTED_SECONDS = env_float("SIMULATOR_SUBMITTED_SECONDS", 2.0)
SIMULATOR_PROCESSING_SECONDS = env_float("SIMULATOR_PROCESSING_SECONDS", 6.0)
SIMULATOR_SECONDS_PER_AUDIO_SECOND = env_float("SIMULATOR_SECONDS_PER_AUDIO_SECOND", 0.0)
SIMULATOR_PROCESSING_JITTER = env_float("SIMULATOR_PROCESSING_JITTER", 0.0)
SIMULATOR_URL_TTL_SECONDS = env_int("SIMULATOR_URL_TTL_SECONDS", 30 * 24 * 3600)
SIMULATOR_CONCURRENCY = env_int("SIMULATOR_CONCURRENCY", 5)
SIMULATOR_WEBHOOK_SECRET = env_str("SIMULATOR_WEBHOOK_SECRET")
# Calls to Kling's TTS (previews and scripts) an hour, per member and per team: each is paid.
TTS_PER_MEMBER_PER_HOUR = env_int("TTS_PER_MEMBER_PER_HOUR", 30)
TTS_PER_TEAM_PER_HOUR = env_int("TTS_PER_TEAM_PER_HOUR", 100)
# Who may spend the server's COMETAPI_KEY: in production only the teams an operator allowed in
# the Django admin, unless a private deployment allows every team; on a laptop, every team.
SERVER_KEY_FOR_ALL_TEAMS = env_bool("SERVER_KEY_FOR_ALL_TEAMS", DEBUG)
if SERVER_KEY_FOR_ALL_TEAMS and SIGNUP_OPEN and not DEBUG:
    raise ImproperlyConfigured(
        "SERVER_KEY_FOR_ALL_TEAMS=1 lets anyone who signs up spend the server's CometAPI key. "
        "Close sign-up (SIGNUP_OPEN=0), or allow teams one by one in the admin instead."
    )
# Seconds of video a month each team may make on the server's key ("none" for no limit; none
# on a laptop, 600 in production); an operator can set another figure per team in the admin.
SERVER_KEY_MONTHLY_SECONDS = (
    None
    if env_str("SERVER_KEY_MONTHLY_SECONDS", "none" if DEBUG else "").lower() == "none"
    else env_int("SERVER_KEY_MONTHLY_SECONDS", 600)
)
# The Django admin, for the site's staff only, at a path of the operator's choosing.
ADMIN_PATH = env_str("ADMIN_PATH", "operator/").strip("/") + "/"
# Generations: how the background steps pace themselves.
# Seconds between polls, comma separated; the last one repeats.
GENERATION_POLL_SCHEDULE = [
    float(step) for step in env_list("GENERATION_POLL_SCHEDULE", ["3", "5", "10", "20", "30"])
]
GENERATION_TIMEOUT_SECONDS = env_int("GENERATION_TIMEOUT_SECONDS", 30 * 60)
GENERATION_RETRY_LIMIT = env_int("GENERATION_RETRY_LIMIT", 8)
GENERATION_RESULT_MAX_BYTES = env_int("GENERATION_RESULT_MAX_BYTES", 2 * 1024**3)
SWEEP_INTERVAL_SECONDS = env_int("SWEEP_INTERVAL_SECONDS", 30)
PURGE_INTERVAL_SECONDS = env_int("PURGE_INTERVAL_SECONDS", 3600)
# What the worker's upkeep thread runs: sweeps wake overdue jobs, clean-ups forget leftovers.
UPKEEP_SWEEPS = [
    "avatarstudio.studio.pipeline.sweep.sweep_generations",
    "avatarstudio.batches.tasks.sweep_batches",
]
UPKEEP_CLEANUPS = [
    "avatarstudio.library.purge.purge_trash",
    "avatarstudio.studio.services.forget_unused_voices",
    "avatarstudio.batches.services.forget_old_drafts",
]
# Where the provider can reach us: callbacks go to PUBLIC_BASE_URL/hooks/kling/<token>/.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL").rstrip("/")
# Base64 inputs by default; signed URLs when the storage is reachable from the internet.
KLING_INPUTS_AS_URLS = env_bool("KLING_INPUTS_AS_URLS", False)
KLING_DEFAULT_PROMPT = env_str(
    "KLING_DEFAULT_PROMPT",
    "The person speaks naturally to the camera with a warm, friendly expression.",
)
# Kling units per second of video, for the estimate shown before generating.
KLING_PRICE_PER_SECOND = {
    "std": env_float("KLING_PRICE_STD", 0.4),
    "pro": env_float("KLING_PRICE_PRO", 0.8),
}
# Refuse request bodies larger than this before reading them (uploads are 10 + 5 MB at most).
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 20 * 1024 * 1024)
# Ports a URL given by a person (a photo's address) may be fetched from; the provider's own
# host is exempt.
FETCH_ALLOWED_PORTS = [int(port) for port in env_list("FETCH_ALLOWED_PORTS", ["80", "443"])]
# A photo's address is fetched while the create request waits: the whole download, however
# slowly the other server sends it, gets this long before the person is asked to upload it.
PHOTO_FETCH_DEADLINE_SECONDS = env_float("PHOTO_FETCH_DEADLINE_SECONDS", 15.0)
# The deep health check (storage write, queue) answers only to this bearer token.
HEALTHZ_TOKEN = env_str("HEALTHZ_TOKEN", "")
# /metrics (Prometheus) answers only to "Authorization: Bearer <METRICS_TOKEN>"; 404 while empty.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
FILE_UPLOAD_PERMISSIONS = 0o640

# The provider's input rules (see avatarstudio/kling/limits.py for every key and default).
KLING_LIMITS: dict = {"audio_max_seconds": env_float("KLING_AUDIO_MAX_SECONDS", 60.0)}

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

MESSAGE_TAGS = {40: "error"}

# Content Security Policy, on the laptop too so that the browser tests run under it: only our
# own scripts and styles (htmx is served by us and runs without eval or inline styles),
# media from us, blob: previews of chosen files, and signed URLs of the S3 store.
_MEDIA_ORIGINS = [CSP.SELF, "blob:"]
if AWS_STORAGE_BUCKET_NAME and env_str("AWS_S3_ENDPOINT_URL"):
    _MEDIA_ORIGINS.append(env_str("AWS_S3_ENDPOINT_URL").rstrip("/"))
elif AWS_STORAGE_BUCKET_NAME:
    _MEDIA_ORIGINS.append("https://*.amazonaws.com")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [*_MEDIA_ORIGINS, "data:"],
    "media-src": [*_MEDIA_ORIGINS, "data:"],  # the create page plays the voice as it will be sent
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Security. The laptop runs plain HTTP; production turns every protection on by default.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs go to stdout: plain lines on the laptop, JSON lines in production (LOG_FORMAT=json),
# each with the generation, team and provider task it concerns (see avatarstudio/logs.py).
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "avatarstudio.core.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "avatarstudio.core.logs.JsonFormatter",
            "fmt": "%(asctime)s %(created)f %(process)d %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        },
    },
    "root": {"handlers": ["stdout"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}
