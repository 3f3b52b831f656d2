"""Settings for every environment, read from the environment (see docs/architecture.md, Configuration)."""

from __future__ import annotations

import sys
from datetime import timedelta

import dj_database_url
from django.utils.translation import gettext_lazy as _

from suyuan.core import env

BASE_DIR = env.BASE_DIR
VAR_DIR = env.VAR_DIR
TESTING = "pytest" in sys.modules or env.flag("SUYUAN_TESTING")

DEBUG = env.flag("DEBUG", default=False)
SECRET_KEY = env.secret("SECRET_KEY")
ALLOWED_HOSTS = env.listing("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = env.listing("CSRF_TRUSTED_ORIGINS")

# Personal data: Fernet keys (comma-separated, newest first, so old keys still decrypt after rotation)
# and the key of the HMAC that makes encrypted identifiers searchable.
FIELD_ENCRYPTION_KEYS = env.listing("FIELD_ENCRYPTION_KEYS") or env.secret("FIELD_ENCRYPTION_KEYS").split(",")
PII_HASH_KEY = env.secret("PII_HASH_KEY")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_htmx",
    "ninja",
    "suyuan.core",
    "suyuan.regions",
    "suyuan.notifications",
    "suyuan.workdays",
    "suyuan.accounts",
    "suyuan.matters",
    "suyuan.triage",
    "suyuan.mediation",
    "suyuan.supervision",
    "suyuan.court",
    "suyuan.analytics",
    "suyuan.emergency",
    "suyuan.command",
    "suyuan.web",
    "suyuan.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "suyuan.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "suyuan.accounts.middleware.SecondFactorRequiredMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by authentication into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "suyuan.config.urls"
WSGI_APPLICATION = "suyuan.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "suyuan.web.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env.integer("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer writes; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on the busy timeout instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, tasks ------------------------------------------------------------------------------
REDIS_URL = env.get("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # A database cache is shared by every process (web server and worker), which rate limits need.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "suyuan_cache"}
    }

TASKS = {
    "default": {
        "BACKEND": env.get(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        )
    }
}

# --- Authentication --------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "suyuan.accounts.backends.StaffPasswordBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is slow on purpose; tests that sign in hundreds of times use a fast hasher instead.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:staff_login"
LOGIN_REDIRECT_URL = "web:staff_home"
LOGOUT_REDIRECT_URL = "web:portal_home"
SESSION_COOKIE_AGE = env.integer("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.flag("SECURE_COOKIES", default=not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# django-axes: lock an account name after repeated password failures, whatever address they come from.
AXES_FAILURE_LIMIT = env.integer("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# A lockout runs its fixed course: further tries during it must not extend it, or anyone who knows a
# username could keep that person locked out for ever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "suyuan.accounts.views.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
SILENCED_SYSTEM_CHECKS = [
    # Lockout is per account on purpose (a village office shares one address); addresses are rate-limited
    # separately by django-ratelimit on the sign-in views.
    "axes.W006",
]
if TESTING and not REDIS_URL:
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.W001")  # one process: a local-memory cache is shared

# django-otp: TOTP devices for staff who must use a second factor.
OTP_TOTP_ISSUER = "Suyuan 诉源"

# django-ratelimit reads these; the cache above is shared between processes.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_VIEW = "suyuan.web.views.ratelimited"

# Citizen sign-in by one-time code.
SMS_BACKEND = env.get("SMS_BACKEND", "suyuan.notifications.sms.LogSmsBackend")
OTP_CODE_TTL = timedelta(minutes=env.integer("OTP_CODE_TTL_MINUTES", 5))
OTP_CODE_MAX_ATTEMPTS = 5

# --- Notifications (docs/notifications.md) ------------------------------------------------------------------
# The HTTP gateway adapter (SMS_BACKEND=suyuan.notifications.sms.HttpSmsBackend): where to POST, the key id
# and secret of the HMAC signature, the signature name (签名) the carrier prints, and the timeout in seconds.
SMS_HTTP_URL = env.get("SMS_HTTP_URL")
SMS_HTTP_KEY_ID = env.get("SMS_HTTP_KEY_ID")
SMS_HTTP_SECRET = env.get("SMS_HTTP_SECRET")
SMS_SIGN_NAME = env.get("SMS_SIGN_NAME", "诉源")
SMS_HTTP_TIMEOUT = float(env.get("SMS_HTTP_TIMEOUT", "10"))
# E-mail through Django's framework: SMTP once EMAIL_HOST is set, else the development backend that keeps
# mails for the DEBUG-only outbox page (/dev/sms/), as the log backend does for text messages.
EMAIL_HOST = env.get("EMAIL_HOST")
EMAIL_BACKEND = env.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "suyuan.notifications.email.DevEmailBackend",
)
EMAIL_PORT = env.integer("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.get("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.get("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.flag("EMAIL_USE_TLS")
EMAIL_USE_SSL = env.flag("EMAIL_USE_SSL")
EMAIL_TIMEOUT = env.integer("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env.get("DEFAULT_FROM_EMAIL", "Suyuan <noreply@suyuan.invalid>")
SERVER_EMAIL = env.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Supervision orders (督办): working days the responding organisation has to answer, and how often the
# sweeps that raise orders for overdue matters and escalate unanswered orders run (docs/supervision.md).
SUPERVISION_ANSWER_WORKING_DAYS = env.integer("SUPERVISION_ANSWER_WORKING_DAYS", 2)
SUPERVISION_SWEEP_MINUTES = env.integer("SUPERVISION_SWEEP_MINUTES", 5)

# --- Internationalisation ----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "suyuan" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = env.get("MEDIA_ROOT", str(VAR_DIR / "media"))
# Documents of matters live under MEDIA_ROOT with random names and are never served from there: every
# download goes through an access-checked view. No MEDIA_URL is routed, on purpose.
DOCUMENT_MAX_BYTES = env.integer("DOCUMENT_MAX_MB", 20) * 1024 * 1024  # per file, as uploaded
DOCUMENT_MAX_PER_MATTER = env.integer("DOCUMENT_MAX_PER_MATTER", 100)
DOCUMENT_MAX_PER_FILING = 10  # attachments on the filing forms
DOCUMENT_MAX_PDF_PAGES = 500
DOCUMENT_MAX_IMAGE_PIXELS = 60_000_000  # larger images are refused (decompression bombs)
DOCUMENT_IMAGE_MAX_SIDE = 4096  # larger photos are scaled down when re-encoded
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Batch import of matters (see docs/import.md) ----------------------------------------------------------
IMPORT_MAX_BYTES = 10 * 1024 * 1024  # a 5,000-row export is about 3 MB as CSV
IMPORT_MAX_ROWS = 5000
IMPORT_SYNC_ROWS = 300  # files with more rows are checked by the task worker, the page follows its progress

# --- Logging -------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "suyuan.core.middleware.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

SUYUAN_SITE_NAME = _("Suyuan")
# The address people reach the site at ("https://suyuan.example.gov.cn"), for links in text messages and
# e-mails (the respondent's invitation, notifications). Production must set it.
SITE_URL = env.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The other side's invitation: how long its link works (days), the reminders (working days after the
# invitation), and how many working days after the last reminder a grid worker is asked to visit, with how
# many working days to do it.
RESPONDENT_LINK_DAYS = env.integer("RESPONDENT_LINK_DAYS", 30)
RESPONDENT_REMINDER_WORKING_DAYS = tuple(
    int(days) for days in env.listing("RESPONDENT_REMINDER_WORKING_DAYS", "2,5")
)
RESPONDENT_VISIT_AFTER_WORKING_DAYS = env.integer("RESPONDENT_VISIT_AFTER_WORKING_DAYS", 2)
RESPONDENT_VISIT_WORKING_DAYS = env.integer("RESPONDENT_VISIT_WORKING_DAYS", 5)
