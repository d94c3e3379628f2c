"""Settings for Zhaoqing Tracker: one file, every deployment difference read from the environment.

With no environment at all this is the embedded default used by ``make run``:
SQLite next to the code, Celery tasks run eagerly in-process, mail to the console.
Production (docker-compose.yml, .env.example) sets DATABASE_URL, REDIS_URL and
a real SECRET_KEY.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
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
    "projects",
    "supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

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
    },
}

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
