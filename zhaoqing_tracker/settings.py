"""Settings for Zhaoqing Tracker: one file, every deployment difference read from the environment.

With no environment at all this is the embedded default used by ``make run``:
SQLite next to the code, Celery tasks run eagerly in-process, mail to the console.
Production (docker-compose.yml, .env.example) sets DATABASE_URL, REDIS_URL,
a real SECRET_KEY and DJANGO_HTTPS=1 (see "HTTPS" below).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)
# The fallback key only ever serves the embedded default; production must set its own.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_celery_beat",
    # django-csp: its checks point out settings it no longer reads (CONTENT_SECURITY_POLICY below).
    "csp",
    "projects",
    "supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header on every answer (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records request.user as the author of every history row written in a request.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a refused (locked-out) login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhaoqing_tracker.urls"
WSGI_APPLICATION = "zhaoqing_tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "projects.User"
# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The staff and leaders' browser UI signs in here; the admin keeps its own login page.
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Chinese first: bureau staff work in Chinese; English is the second language.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Production sets whitenoise.storage.CompressedManifestStaticFilesStorage
        # (after collectstatic); tests and the embedded default serve files as they are.
        "BACKEND": os.environ.get(
            "DJANGO_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "zhaoqing-tracker@localhost")

# Celery. Without REDIS_URL (the embedded default) tasks run eagerly in the
# calling process, so `make run` needs no broker.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# A task is acknowledged only after it finishes, so a worker killed mid-task
# leaves the message for another worker; tasks are written to be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The schedule lives in the database (django-celery-beat) so the city admin can
# see and change it in the admin; zhaoqing_tracker/beat.py installs the defaults
# from celery.py without overwriting what the admin changed.
CELERY_BEAT_SCHEDULER = "zhaoqing_tracker.beat:AdminEditableScheduler"
# With Redis as broker an unacknowledged message (its worker was killed) becomes
# deliverable again once it is this many seconds old, when a worker next checks
# (at its start, then every couple of minutes). A bulletin takes far less; its
# request row and the five-minute sweeper recover a killed run sooner.
# socket_timeout: a Redis that accepts connections but never answers must fail a
# send within seconds, not hang the page that asked for a bulletin.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "socket_timeout": int(os.environ.get("CELERY_BROKER_SOCKET_TIMEOUT", "5")),
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2

# HTTPS: one switch. Production sits behind a reverse proxy that terminates TLS and says so
# in X-Forwarded-Proto (docker-compose.yml sets DJANGO_HTTPS=1); the embedded default (`make run`,
# plain http on 127.0.0.1) and the test suite (http://testserver) leave it off, since a browser
# told to use HTTPS (a redirect, HSTS, Secure cookies) could not reach them at all.
# DJANGO_SECURE_COOKIES, the earlier name of the cookie half of this switch, still turns it on.
HTTPS = env_bool("DJANGO_HTTPS", default=env_bool("DJANGO_SECURE_COOKIES", False))
# Trusted only because the proxy sets this header itself, replacing any value a client sent.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# HSTS for a year (what browsers' preload lists ask for). DJANGO_HSTS_SECONDS allows a careful
# roll-out (a few minutes first, then a year), or 0 where the proxy already sends the header.
# includeSubDomains covers only names under the tracker's own host (*.tracker.example.org), which
# serve nothing else. The preload token is consent, not a listing: a domain enters the browsers'
# lists only when the owner of its registrable domain submits it, with the header served on that
# bare domain; on the tracker's own host name the token changes nothing.
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Django's defaults, stated because the deploy checks and the CSP below rely on them: no MIME
# sniffing, the full URL (with its ids) only to our own pages, and no page of ours in a frame.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp), on in every setup so the tests see what production sends:
# scripts, styles, fonts and images only from our own static files (images also as data: URLs,
# which the API docs' stylesheet uses for its icons), no inline script or style, no eval, no
# plugins, no framing, forms posting only to us. Every template keeps to it: scripts
# and styles live in static/, values reach scripts through data- attributes or json_script
# (tests/reliability/test_csp*.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's default config gives "django" its own console handler; without this
    # every line of runserver would also reach the root handler and print twice.
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# Stalled projects (半拉子): an active project with no stage change for this many
# days and no investment reported for this many months is flagged by the daily check.
STALLED_DAYS_WITHOUT_STAGE_CHANGE = int(os.environ.get("STALLED_DAYS_WITHOUT_STAGE_CHANGE", "180"))
STALLED_MONTHS_WITHOUT_INVESTMENT = int(os.environ.get("STALLED_MONTHS_WITHOUT_INVESTMENT", "3"))
SIMPLE_HISTORY_REVERT_DISABLED = True  # history is read-only; writes go through services

# Ledger imports (projects/imports/): the largest file taken, the most its parts may unpack to
# (a zip bomb is a small .xlsx that unpacks to gigabytes) and the most rows one import takes.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
IMPORT_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("IMPORT_MAX_UNCOMPRESSED_BYTES", str(200 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "50000"))

# Cache: Redis when there is one (shared by all web workers, so API throttles hold
# across processes); otherwise process memory, enough for the embedded default.
# Redis answers in a millisecond; a connect or read that takes longer means it is down or
# hung, and every API request reads the throttle counters, so it must not wait the client's
# default 5 s: after CACHE_SOCKET_TIMEOUT seconds the throttles count in the process instead
# (zhaoqing_tracker/api/throttling.py).
CACHE_SOCKET_TIMEOUT = float(os.environ.get("CACHE_SOCKET_TIMEOUT", "0.5"))


def caches_for(redis_url: str) -> dict:
    if not redis_url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "zq",
            "OPTIONS": {
                "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
                "socket_timeout": CACHE_SOCKET_TIMEOUT,
            },
        }
    }


CACHES = caches_for(REDIS_URL)

# REST API v1 (DESIGN "REST API"). Figures of the throttles are settable per deployment.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "zhaoqing_tracker.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["zhaoqing_tracker.api.permissions.RolePermissions"],
    "DEFAULT_PAGINATION_CLASS": "zhaoqing_tracker.api.pagination.StableCursorPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "zhaoqing_tracker.api.filters.StrictFilterBackend",
        "zhaoqing_tracker.api.filters.StableOrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "zhaoqing_tracker.api.throttling.PerTokenRateThrottle",
        "zhaoqing_tracker.api.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("API_THROTTLE_TOKEN", "3000/minute"),
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
    },
    "EXCEPTION_HANDLER": "zhaoqing_tracker.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["zhaoqing_tracker.api.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATE_INPUT_FORMATS": ["iso-8601"],
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zhaoqing Tracker API",
    "DESCRIPTION": (
        "Manufacturing investment projects from signing to production, their problems and "
        "supervision, and the county rankings. See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The default hook (enum components), then the links from a creation to what takes its id.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "zhaoqing_tracker.api.links.add_links",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ProblemStatusEnum": "supervision.choices.ProblemStatus",
        "ExtensionStatusEnum": "supervision.choices.ExtensionStatus",
        "PeriodKindEnum": "supervision.choices.PeriodKind",
        "BulletinStatusEnum": "supervision.choices.BulletinStatus",
        "ImportKindEnum": "projects.imports.models.ImportKind",
        "ImportStatusEnum": "projects.imports.models.ImportStatus",
        "MoneyUnitEnum": "projects.imports.models.MoneyUnit",
        "RowActionEnum": "projects.imports.models.RowAction",
    },
}

# Ledger imports (projects/imports/). A file is refused above IMPORT_MAX_BYTES, a zip (an .xlsx is
# one) whose contents would unpack beyond IMPORT_MAX_UNCOMPRESSED_BYTES, and a sheet of more than
# IMPORT_MAX_ROWS rows. Files up to IMPORT_INLINE_MAX_BYTES are previewed in the request, and
# imports of up to IMPORT_INLINE_MAX_ROWS rows written in it; bigger ones run as Celery jobs.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
IMPORT_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("IMPORT_MAX_UNCOMPRESSED_BYTES", str(200 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "50000"))
IMPORT_INLINE_MAX_BYTES = int(os.environ.get("IMPORT_INLINE_MAX_BYTES", str(256 * 1024)))
IMPORT_INLINE_MAX_ROWS = int(os.environ.get("IMPORT_INLINE_MAX_ROWS", "1000"))
# Uploaded ledgers are kept (DESIGN: each import is kept); production mounts a volume here.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# Login throttling (django-axes, attempts kept in the database and listed in the admin):
# after AXES_FAILURE_LIMIT failed logins for one username from one client address, every
# further attempt for it, even with the right password, gets 429 until the cool-off has
# passed (a failure during the lock restarts it); a success clears the count. An admin
# lifts a lock early by deleting the "access attempt" in the admin, or with
# `manage.py axes_reset_username USERNAME`. The address is REMOTE_ADDR: behind the reverse
# proxy that is the proxy, so the lock is then per username; a client-supplied
# X-Forwarded-For is deliberately not trusted, since a forged one would dodge the lock.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
