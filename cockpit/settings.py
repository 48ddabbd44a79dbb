"""Cockpit settings, read from the environment.

Every value has a safe local default, except the secrets production must set:
with DEBUG off the process refuses to start without SECRET_KEY.
"""

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn `sqlite:///path` or `postgres://user:pass@host:port/name` into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        # The server and the queue's worker write at once (make run): a transaction takes the write lock when it
        # begins and waits for it, instead of failing with "database is locked" when a read turns into a write.
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or ":memory:",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if parts.scheme in {"postgres", "postgresql"}:
        options: dict[str, bool | str | int] = {
            key: (value.lower() in {"1", "true", "yes", "on"} if key == "server_side_binding" else value)
            for key, value in parse_qsl(parts.query)
        }
        if "prepare_threshold" in options:
            try:
                options["prepare_threshold"] = int(options["prepare_threshold"])
            except ValueError as exc:
                raise ImproperlyConfigured("DATABASE_URL's prepare_threshold must be a whole number.") from exc
        # A database that does not answer fails the request within seconds (a 503), not after minutes.
        options.setdefault("connect_timeout", env_str("DATABASE_CONNECT_TIMEOUT", "5"))
        # The access rules' statements are long and planning them costs more than running
        # them: parameters bound on the server let psycopg prepare a statement after its
        # fifth run on a connection and skip the planning from then on. A pooler in
        # transaction mode (PgBouncer) cannot keep prepared statements: DATABASE_PREPARED_STATEMENTS=0.
        if env_bool("DATABASE_PREPARED_STATEMENTS", True):
            options.setdefault("server_side_binding", True)
            options.setdefault("prepare_threshold", 5)
        return {
            "ENGINE": "core.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported (use sqlite or postgres).")


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. For local development set DEBUG=1 (make run does)."
        )
    SECRET_KEY = "local-development-only-not-a-secret"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

# Absolute links in emails point here.
COCKPIT_BASE_URL = env_str("COCKPIT_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [COCKPIT_BASE_URL])

INSTALLED_APPS = [
    "accounts.apps.CockpitAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "anymail",
    "django_tasks",
    "django_tasks_db",
    "entities",
    "outbox",
    "accounts",
    "users",
    "sharing",
    "tablets",
    "plans",
    "cockpit",
]

MIDDLEWARE = [
    # First: /healthz answers the load balancer before any redirect, host check or session.
    "cockpit.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cockpit.middleware.QueryStringMiddleware",
    "csp.middleware.CSPMiddleware",
    "cockpit.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before the login redirect: a guess at an invitation link counts whether or not one is signed in.
    "cockpit.middleware.EmailedLinkLimitMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "cockpit.middleware.RequestContextMiddleware",
    "cockpit.middleware.UserLanguageMiddleware",
    "cockpit.middleware.CockpitAccessMiddleware",
    "sharing.middleware.ShareVisitMiddleware",
    "cockpit.middleware.ListingLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cockpit.urls"
WSGI_APPLICATION = "cockpit.wsgi.application"

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
                "cockpit.context_processors.cockpit",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'cockpit.sqlite3'}"),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.EmailBackend",
    "accounts.backends.SectionRightsBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# The access-rule indexes carry INCLUDE columns for PostgreSQL's index-only scans; SQLite ignores them.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
# Cockpit pages need a login; guardian's anonymous user row would be a user without a company.
ANONYMOUS_USER_NAME = None
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.MaximumLengthValidator"},
]

# Passkeys (django-otp-webauthn, accounts.passkeys): the helper takes the domain and origin from the request, which
# ALLOWED_HOSTS vouch for; the settings below satisfy the library's start-up checks and name the production origin.
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkeys.PasskeyHelper"
OTP_WEBAUTHN_RP_ID_CALLABLE = "accounts.passkeys.relying_party_id"
OTP_WEBAUTHN_RP_NAME = "Cockpit"
OTP_WEBAUTHN_ALLOWED_ORIGINS = [COCKPIT_BASE_URL] if COCKPIT_BASE_URL.startswith("https://") else ["http://localhost"]
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "accounts.security"

# The entity list counts exactly up to this many entities and says "more than" beyond.
ENTITY_LIST_COUNT_CAP = env_int("ENTITY_LIST_COUNT_CAP", 2_000)
# The entity list's pages are kept in the shared cache under their cockpit's access version
# (entities.access.cache.list_page); 0 asks the database for every page.
ACCESS_CACHE_PAGES = env_bool("ACCESS_CACHE_PAGES", True)

# Whether exactly one process serves (the test settings, `make run`, a one-worker deployment): only then may
# sessions and counters live in that process's memory. Any number of workers share them through Redis or the
# database instead, and production refuses per-process state (below).
SINGLE_PROCESS = env_bool("SINGLE_PROCESS", DEBUG)

REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": (
        {
            "BACKEND": "core.cache.PoolClientRedisCache",
            "LOCATION": REDIS_URL,
            # A Redis shared with other apps or another Cockpit (staging beside production) keeps each one's keys
            # apart: sessions, sign-in counters and cached access answers never meet.
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "cockpit"),
            # A Redis that does not answer costs a request a second, not a hang (accounts.throttle, session_store).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Rate limits (accounts/throttle.py), counted where every worker sees them: the cache when it
# is Redis, else the database. Counters in one process's memory would let an attacker spread
# attempts over the workers, so production refuses them.
RATE_LIMIT_STORE = env_str("RATE_LIMIT_STORE", "cache" if REDIS_URL or DEBUG else "database")
if RATE_LIMIT_STORE not in {"cache", "database"}:
    raise ImproperlyConfigured(f"RATE_LIMIT_STORE must be 'cache' or 'database', got {RATE_LIMIT_STORE!r}.")
if RATE_LIMIT_STORE == "cache" and not REDIS_URL and not SINGLE_PROCESS:
    raise ImproperlyConfigured(
        "Rate-limit counters would live in each process's memory: set REDIS_URL, or RATE_LIMIT_STORE=database."
    )
LOGIN_FAILURES_PER_ACCOUNT_AND_IP = env_int("LOGIN_FAILURES_PER_ACCOUNT_AND_IP", 10)
LOGIN_FAILURES_PER_IP = env_int("LOGIN_FAILURES_PER_IP", 50)
LOGIN_THROTTLE_WINDOW_SECONDS = env_int("LOGIN_THROTTLE_WINDOW_SECONDS", 15 * 60)
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 50)
LOGIN_ACCOUNT_WINDOW_SECONDS = env_int("LOGIN_ACCOUNT_WINDOW_SECONDS", 60 * 60)
SECOND_FACTOR_FAILURES_PER_ACCOUNT = env_int("SECOND_FACTOR_FAILURES_PER_ACCOUNT", 10)
SMS_PER_USER = env_int("SMS_PER_USER", 5)
SMS_PER_IP = env_int("SMS_PER_IP", 20)
SMS_WINDOW_SECONDS = env_int("SMS_WINDOW_SECONDS", 15 * 60)
INVITATIONS_PER_HOUR = env_int("INVITATIONS_PER_HOUR", 100)
# Welcome emails and share invitations of all the people of one company together, per 24 hours.
INVITATIONS_PER_COMPANY_PER_DAY = env_int("INVITATIONS_PER_COMPANY_PER_DAY", 300)
# Invitation links, password-reset links and reset requests from one address, per window (a 429 beyond).
LINKS_PER_IP = env_int("LINKS_PER_IP", 30)
LINK_WINDOW_SECONDS = env_int("LINK_WINDOW_SECONDS", 15 * 60)

# Second factor (django-otp). Wrong codes slow further tries of that device down
# exponentially (factor seconds, doubling); an SMS code lives SMS_CODE_SECONDS.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Cockpit")
OTP_TOTP_THROTTLE_FACTOR = env_int("OTP_TOTP_THROTTLE_FACTOR", 1)
OTP_STATIC_THROTTLE_FACTOR = env_int("OTP_STATIC_THROTTLE_FACTOR", 1)
OTP_SMS_THROTTLE_FACTOR = env_int("OTP_SMS_THROTTLE_FACTOR", 1)
SMS_CODE_SECONDS = env_int("SMS_CODE_SECONDS", 5 * 60)
# After "Send code", a new code may be asked for only after this wait: a second press meanwhile sends nothing and
# voids nothing, so the code on its way stays valid.
SMS_RESEND_WAIT_SECONDS = env_int("SMS_RESEND_WAIT_SECONDS", 45)
# Lists, searches and entity pages one person may open per window, against scraping (accounts.throttle).
# Counted in the cache (a database write per page would cost more than it protects): it needs Redis when
# several processes serve; 0 switches the limit off.
LIST_REQUESTS_PER_USER = env_int("LIST_REQUESTS_PER_USER", 1200)
LIST_WINDOW_SECONDS = env_int("LIST_WINDOW_SECONDS", 10 * 60)
if LIST_REQUESTS_PER_USER > 0 and not REDIS_URL and not SINGLE_PROCESS:
    raise ImproperlyConfigured(
        "The list limit would count in each process's memory, so a scraper would get it once per worker: "
        "set REDIS_URL, or LIST_REQUESTS_PER_USER=0 to go without that limit."
    )
# How many proxies of ours stand before the app; 0 trusts REMOTE_ADDR alone and ignores X-Forwarded-For.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# A new user's emailed password works once and expires after this many days.
TEMPORARY_PASSWORD_DAYS = env_int("TEMPORARY_PASSWORD_DAYS", 3)

# Sessions live where every worker reads them: in the database, with Redis in front when there is one
# (accounts.session_store, cached_db that outlives a Redis outage), so a logout ends a session for every
# worker at once. A single process may keep its cache in front of the database too.
SESSION_ENGINE = env_str(
    "SESSION_ENGINE",
    "accounts.session_store" if REDIS_URL or SINGLE_PROCESS else "django.contrib.sessions.backends.db",
)
CACHED_SESSION_ENGINES = {
    "accounts.session_store",
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.cached_db",
}
if SESSION_ENGINE in CACHED_SESSION_ENGINES and not REDIS_URL and not SINGLE_PROCESS:
    raise ImproperlyConfigured(
        f"SESSION_ENGINE={SESSION_ENGINE} would keep sessions in each process's memory, and a logout would "
        "not reach the other workers: set REDIS_URL, or use django.contrib.sessions.backends.db."
    )
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)  # the absolute limit after sign-in
SESSION_IDLE_TIMEOUT_SECONDS = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 30 * 60)
# A password typed this long ago still lets one change one's sign-in methods (accounts.recent_password).
REAUTHENTICATION_SECONDS = env_int("REAUTHENTICATION_SECONDS", 10 * 60)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
# Our English formats (cockpit/formats/en): 01.12.2026 18:00, never 12/01/2026 6 p.m.
FORMAT_MODULE_PATH = ["cockpit.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Zurich")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # CAD plan files (docs/cad-plans.md), never under a public URL: only the access-checked download
    # reads them. A deployment points this alias at its own backend (e.g. S3 with its OPTIONS).
    "plans": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env_str("PLAN_STORAGE_DIR", str(BASE_DIR / "var" / "plans"))},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: the console locally; in production any django-anymail ESP, e.g.
# EMAIL_BACKEND=anymail.backends.postmark.EmailBackend with ANYMAIL_POSTMARK_SERVER_TOKEN=...
# Locally each email is printed as it reads (outbox/console.py), not as its MIME source.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND", "outbox.console.EmailBackend" if DEBUG else "django.core.mail.backends.console.EmailBackend"
)
if not DEBUG and "EMAIL_BACKEND" not in os.environ:
    # The console backend would write temporary passwords and reset links into the server's log.
    raise ImproperlyConfigured(
        "EMAIL_BACKEND must be set when DEBUG is off, e.g. anymail.backends.postmark.EmailBackend. "
        "To send emails to the log on purpose, set it to django.core.mail.backends.console.EmailBackend."
    )
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Cockpit <cockpit@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
ANYMAIL = {key.removeprefix("ANYMAIL_"): value for key, value in os.environ.items() if key.startswith("ANYMAIL_")}

# Emails and SMS codes leave through a queue in the database (outbox/services.py), sent by the
# worker `manage.py db_worker`: an outage of the email service or the SMS gateway is retried,
# MESSAGE_MAX_ATTEMPTS times with a pause doubling from MESSAGE_RETRY_SECONDS (at most an hour).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
MESSAGE_MAX_ATTEMPTS = env_int("MESSAGE_MAX_ATTEMPTS", 8)
MESSAGE_RETRY_SECONDS = env_int("MESSAGE_RETRY_SECONDS", 30)

# How long the audit log's entries and the queue's finished tasks are kept (core/retention.py): the worker removes
# older ones once a day. An audit log is evidence, so it is kept at least a year.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 730)
if AUDIT_RETENTION_DAYS < 365:
    raise ImproperlyConfigured(f"AUDIT_RETENTION_DAYS must be at least 365 (a year), got {AUDIT_RETENTION_DAYS}.")
TASK_RESULT_RETENTION_DAYS = env_int("TASK_RESULT_RETENTION_DAYS", 14)
if TASK_RESULT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(f"TASK_RESULT_RETENTION_DAYS must be at least 1, got {TASK_RESULT_RETENTION_DAYS}.")

# The audit stream (entities/streaming.py, docs/operations.md): each new audit entry POSTed, signed, to the endpoints
# operator staff add per cockpit; tried AUDIT_STREAM_MAX_ATTEMPTS times with a pause doubling from
# AUDIT_STREAM_RETRY_SECONDS (at most an hour), then kept as a dead letter. Endpoints must be https://, except
# http://127.0.0.1 and http://localhost where AUDIT_STREAM_ALLOW_LOCAL_HTTP allows them (on with DEBUG).
AUDIT_STREAM_MAX_ATTEMPTS = env_int("AUDIT_STREAM_MAX_ATTEMPTS", 8)
AUDIT_STREAM_RETRY_SECONDS = env_int("AUDIT_STREAM_RETRY_SECONDS", 30)
AUDIT_STREAM_TIMEOUT_SECONDS = env_int("AUDIT_STREAM_TIMEOUT_SECONDS", 10)
AUDIT_STREAM_ALLOW_LOCAL_HTTP = env_bool("AUDIT_STREAM_ALLOW_LOCAL_HTTP", DEBUG)

# SMS: Twilio when credentials are set, otherwise a sender that only logs.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")
# National phone formats ("079 123 45 67") are read in this region (ISO 3166 code); numbers are stored in E.164.
PHONE_DEFAULT_REGION = env_str("PHONE_DEFAULT_REGION", "CH")

# SMS as a second factor: off with SMS_ENABLED=0. Locally (DEBUG) codes are printed to the console, never logged.
SMS_ENABLED = env_bool("SMS_ENABLED", True)
SMS_GATEWAY = env_str(
    "SMS_GATEWAY",
    "outbox.sms.TwilioGateway"
    if TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN
    else ("outbox.sms.ConsoleGateway" if DEBUG else ""),
)
if SMS_ENABLED and not SMS_GATEWAY:
    raise ImproperlyConfigured(
        "SMS codes need a gateway when DEBUG is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
        "TWILIO_FROM_NUMBER (or SMS_GATEWAY), or SMS_ENABLED=0 to offer no SMS second factor."
    )
if not DEBUG and SMS_GATEWAY == "outbox.sms.ConsoleGateway":
    raise ImproperlyConfigured("The console SMS gateway prints codes into the server's output; not with DEBUG off.")

# Production hardening; each can be relaxed by environment for unusual deployments.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# __Host- cookies are only ever sent over HTTPS, to this exact host, for the whole site: no subdomain can set them.
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
if CSRF_COOKIE_SECURE:
    CSRF_COOKIE_NAME = "__Host-csrftoken"
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets this header itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Every line with its time, level and logger. Request paths that carry a secret (an invitation's token, a
# password-reset link) are written with the secret taken out, whoever logs them (cockpit.logs).
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"secrets": {"()": "cockpit.logs.RedactSecrets"}},
    "formatters": {"timed": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "timed", "filters": ["secrets"]}},
    "loggers": {
        # Django's own request lines name the path: cleaned where they are made, for every handler.
        name: {"filters": ["secrets"]}
        for name in ("django.request", "django.server", "django.security")
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# The largest CAD plan file one upload may be, in bytes (50 MB unless set).
PLAN_UPLOAD_MAX_BYTES = env_int("PLAN_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)

# Content-Security-Policy on every response (django-csp): scripts only from our own static files,
# no plugins, no <base>, never in a frame. Inline style attributes stay allowed (the admin uses them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
# Browser features the cockpit never uses, switched off for every page (cockpit.middleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)
