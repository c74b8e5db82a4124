"""Health Passport settings: one file, driven by the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE as CSP_NONCE
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# ENV_FILE="" skips the file, so a subprocess can run with exactly the environment it was given.
ENV_FILE = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    env.read_env(ENV_FILE)

# A fresh checkout is a development machine; deployments say ENVIRONMENT=production (or
# DEBUG=False), and then a strong SECRET_KEY and HTTPS are required.
ENVIRONMENT = env.str("ENVIRONMENT", default="development")
DEBUG = env.bool("DEBUG", default=ENVIRONMENT != "production")
if DEBUG and ENVIRONMENT == "production":
    raise ImproperlyConfigured(
        "DEBUG=True with ENVIRONMENT=production would show tracebacks and settings to anyone: "
        "set DEBUG=False (or leave DEBUG unset) in production."
    )
APP_NAME = env.str("APP_NAME", default="Health Passport")

# --- Secrets -----------------------------------------------------------------------------------
DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG=False a unique secret of at least 50 characters is "
            "required: set SECRET_KEY in the environment or .env (see .env.example)."
        )
    SECRET_KEY = DEV_SECRET_KEY
if not DEBUG and (
    SECRET_KEY == DEV_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "SECRET_KEY is insecure (the development default, 'django-insecure…', or shorter than 50 "
        "characters). With DEBUG=False set a long random secret, e.g. the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links in e-mails; unless set, they follow the port `make run` serves on (PORT=8402 make run).
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}").rstrip(
    "/"
)

# --- Applications --------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "corsheaders",
    "csp",
    "axes",
    # two-factor authentication: TOTP apps and single-use backup codes (accounts.mfa)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "clinics",
    "accounts",
    "patients",
    "labs",
    "files",
    "notes",
    "appointments",
    "programs",
    "messaging",
    "ai_assist",
    # Before django_tasks_db: its `db_worker` command replaces the one that claims unsafely.
    "notifications",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: every response (redirects and errors too) carries X-Request-ID; one log line each.
    "core.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "core.middleware.NoStoreMiddleware",
    "core.middleware.ApiErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.sessions.IdleSessionRefreshMiddleware",  # inside it: SessionMiddleware saves its mark
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.mfa_views.MfaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestContextMiddleware",
    "core.audit.RefusedAuditMiddleware",
    "clinics.middleware.ClinicTimezoneMiddleware",
    "clinics.middleware.ProjectNotFoundMiddleware",
    # After the clinic's: a user's own language wins over the clinic's (accounts.language).
    "accounts.language.UserLanguageMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, around the view only: API POSTs with an Idempotency-Key run once (core.idempotency).
    "core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "health_passport.urls"
WSGI_APPLICATION = "health_passport.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",  # LANGUAGE_CODE for <html lang>
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinics.context_processors.branding",
            ],
            # {% form_keys %} in every POST form: CSRF token and a submission key.
            "builtins": ["core.templatetags.form_keys"],
        },
    },
]

# --- Database ------------------------------------------------------------------------------------
# DATABASE_URL takes any django-environ URL; the seed's MONGODB_URL + DATABASE_NAME work too.
DATABASE_URL = env.str("DATABASE_URL", default="") or env.str("MONGODB_URL", default="")
if not DATABASE_URL:
    DATABASE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USES_MONGODB = DATABASE_URL.startswith(("mongodb://", "mongodb+srv://"))
if USES_MONGODB:
    # django-mongodb-backend takes the connection string as HOST. Contrib and third-party apps
    # whose keys follow DEFAULT_AUTO_FIELD get ObjectId keys and their own migrations
    # (mongo_migrations/, `make mongo-migrations`); the project's own models declare string
    # keys stored in `_id`, so one migration set serves both backends. The engine is the
    # backend with its `iexact` escaped (core/mongodb).
    DATABASES = {
        "default": {
            "ENGINE": "core.mongodb",
            "HOST": DATABASE_URL,
            "NAME": env.str("DATABASE_NAME", default="")
            or urlsplit(DATABASE_URL).path.strip("/")
            or "health_passport",
        }
    }
    if env.bool("MONGODB_OFFLINE", default=False):
        # Generates and checks the Mongo migrations with no server to talk to.
        DATABASES["default"]["ENGINE"] = "django.db.backends.dummy"
    DEFAULT_AUTO_FIELD = "django_mongodb_backend.fields.ObjectIdAutoField"
    MONGO_APP_CONFIGS = {
        "django.contrib.admin": "health_passport.mongo.MongoAdminConfig",
        "django.contrib.auth": "health_passport.mongo.MongoAuthConfig",
        "django.contrib.contenttypes": "health_passport.mongo.MongoContentTypesConfig",
        "axes": "health_passport.mongo.MongoAxesConfig",
        "django_otp.plugins.otp_totp": "health_passport.mongo.MongoTOTPConfig",
        "django_otp.plugins.otp_static": "health_passport.mongo.MongoStaticConfig",
    }
    INSTALLED_APPS = [MONGO_APP_CONFIGS.get(app, app) for app in INSTALLED_APPS]
    MIGRATION_MODULES = {
        label: f"mongo_migrations.{label}"
        for label in (
            "admin",
            "auth",
            "contenttypes",
            "axes",
            "django_tasks_database",
            "otp_totp",
            "otp_static",
        )
    }
else:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    # A worker keeps its connection for 10 minutes (checked before reuse): opening one per
    # request cost SQLite a schema parse and a cold page cache each time, about a third of the
    # bare benchmark view's time. (The 500 once blamed on kept connections was a test's database
    # copy switching to WAL under 20 first connections at once: docs/performance.md.)
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # The same backend, reading datetime columns as aware instants in one step (core/sqlite).
        DATABASES["default"]["ENGINE"] = "core.sqlite"
        # Write-ahead log: a commit (an audit row) is one append and fsync, not a rollback
        # journal created, synced and deleted; readers never wait for a writer. Still durable.
        # The log is copied back into the file (a checkpoint) every 10,000 pages (40 MB) rather
        # than SQLite's 1,000: pages an audit index writes again and again are copied once, not
        # once a few requests (a busy week's 471 audit rows: 17 -> 11 ms of writes).
        # Reads come from the file mapped into memory (up to 2 GB, the most SQLite's standard
        # build maps) instead of a read() call per page: a search through 100,000 notes 240 ->
        # 165 ms; pages reading few rows do not change (docs/performance.md).
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options.setdefault(
            "init_command",
            "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=10000; PRAGMA mmap_size=2147418112",
        )
        # A unit of work (core.transactions) takes the write lock when it begins: concurrent
        # writers wait their turn (up to `timeout` seconds) instead of failing with "database is
        # locked" when a read lock cannot be upgraded.
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)

# Forms are drawn by Django's templates, a text area without `maxlength` (core.forms).
FORM_RENDERER = "core.forms.FormRenderer"

# --- Auth ----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Where core.audit writes the audit trail (looked up like the user model).
AUDIT_EVENT_MODEL = "accounts.AuditEvent"
AUTHENTICATION_BACKENDS = [
    "accounts.auth.SourceThrottleBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id first (see accounts/hashers.py); the others only check older hashes, which are
# rehashed with Argon2id at the next successful login.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour, for the e-mailed link and the API token alike

# Two-factor authentication (accounts.mfa): the name authenticator apps show.
OTP_TOTP_ISSUER = APP_NAME

SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# The expiry is pushed out at most once a SESSION_REFRESH_SECONDS (core.sessions), not by a
# session write on every request: an idle timeout to within one window.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=60)
SESSION_COOKIE_HTTPONLY = True

# Brute force: django-axes locks an account *from one source address* after LOGIN_FAILURE_LIMIT
# failures (HTML, API, admin), so a stranger who knows an e-mail cannot lock its owner out; one
# address gets LOGIN_IP_FAILURE_LIMIT failures an hour across all accounts
# (accounts.auth.SourceThrottleBackend). A password reset clears the account's lock.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=100)
# Django's login forms, the admin and our API all pass the e-mail as `username`.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # our AuditEvent already records logins
AXES_VERBOSE = False  # keep e-mail addresses out of the logs
AXES_LOCKOUT_CALLABLE = "accounts.auth.lockout_response"
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- REST API ------------------------------------------------------------------------------------
AUTH_RATE_LIMIT = env.str("AUTH_RATE_LIMIT", default="30/minute")
# Sign-up and password-reset mails to one address, at most, per hour (whoever asks).
UNSOLICITED_MAILS_PER_HOUR = env.int("UNSOLICITED_MAILS_PER_HOUR", default=5)
# How many reverse proxies stand in front of the app: client IPs (rate limits, lockouts, audit)
# are read from X-Forwarded-For only that far, so a client cannot forge its own address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
AXES_IPWARE_PROXY_COUNT = NUM_PROXIES or None
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.auth.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "core.permissions.RolePermission",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The browsable API only in development; any other Accept gets JSON, never an error page.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["core.api.DevBrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.JSONFallbackNegotiation",
    "DEFAULT_PARSER_CLASSES": [
        "core.api.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": AUTH_RATE_LIMIT},
    "NUM_PROXIES": NUM_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("ACCESS_TOKEN_EXPIRE_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("REFRESH_TOKEN_EXPIRE_DAYS", default=14)),
    # Refresh tokens rotate on every use; accounts.tokens records and revokes them.
    "ROTATE_REFRESH_TOKENS": True,
    "ALGORITHM": env.str("JWT_ALGORITHM", default="HS256"),
    "SIGNING_KEY": env.str("JWT_SECRET_KEY", default="") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Tokens carry a hash of the password: changing it invalidates every token, access ones too.
    "CHECK_REVOKE_TOKEN": True,
    "UPDATE_LAST_LOGIN": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": f"{APP_NAME} API",
    "DESCRIPTION": "REST API for Health Passport's mobile apps. Authenticate with "
    "`POST /api/v1/auth/login` and send `Authorization: Bearer <access_token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.idempotency.schema_hook",  # the Idempotency-Key header on every create
        "core.schema.document_page_errors",  # 400/404 of ?page= on every paginated list
        "core.schema.staff_only_fields_optional",  # a patient's answers leave them out
    ],
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "core.roles.Role",
        "StaffRoleEnum": "core.roles.STAFF_ROLE_CHOICES",
        "SexEnum": "patients.models.Sex",
        "AllergyStatusEnum": "patients.models.Allergy.Status",
        "ConditionStatusEnum": "patients.models.Condition.Status",
        "ReferenceRangeSexEnum": "labs.models.ReferenceRange.Sex",
        "LabOrderStatusEnum": "labs.models.LabOrder.Status",
        "LabResultStatusEnum": "labs.models.LabResult.Status",
        "CriticalCommunicationMethodEnum": "labs.models.CommunicationMethod",
        "DeviceKindEnum": "notifications.models.Device.Kind",
        "DeliveryStatusEnum": "notifications.models.Attempted.Status",
        "NoteStatusEnum": "notes.models.Note.Status",
        "AppointmentStatusEnum": "appointments.models.Status",
        "AvailabilityExceptionKindEnum": "appointments.models.AvailabilityException.Kind",
        "ProgramStepKindEnum": "programs.models.Step.Kind",
        "ProgramTemplateStatusEnum": "programs.models.ProgramTemplate.Status",
        "ThreadStatusEnum": "messaging.models.Thread.Status",
        "MessageCategoryEnum": "messaging.models.Category",
        "CodeSystemEnum": "patients.models.Condition.CodeSystem",
    },
}

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[]) or env.list(
    "BACKEND_CORS_ORIGINS", default=[]
)
CORS_URLS_REGEX = r"^/api/.*$"

# --- E-mail --------------------------------------------------------------------------------------
# EMAIL_URL (e.g. smtp+tls://user:pass@host:587) wins over the seed's SMTP_* variables.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="") or env.str(
    "EMAIL_FROM", default="Health Passport <no-reply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
elif env.str("SMTP_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("SMTP_HOST")
    EMAIL_PORT = env.int("SMTP_PORT", default=587)
    EMAIL_HOST_USER = env.str("SMTP_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("SMTP_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("SMTP_TLS", default=EMAIL_PORT == 587)
    EMAIL_USE_SSL = env.bool("SMTP_SSL", default=EMAIL_PORT == 465)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Every message goes through the outbox (notifications/outbox.py): stored in the same step as the
# action, sent by a worker through OUTBOX_EMAIL_BACKEND (what EMAIL_URL / SMTP_* configure),
# retried after OUTBOX_RETRY_SECONDS, then x4 each time up to an hour, OUTBOX_MAX_ATTEMPTS tries.
OUTBOX_EMAIL_BACKEND = EMAIL_BACKEND
EMAIL_BACKEND = "notifications.outbox.OutboxBackend"
OUTBOX_RETRY_SECONDS = env.int("OUTBOX_RETRY_SECONDS", default=30)
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=3600)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=14)

# --- Background work -----------------------------------------------------------------------------
# Django's Tasks API (django-tasks backport): the queue is this setting. Default: the project's
# own database (`manage.py db_worker`); TASKS_URL=redis://... uses Redis through RQ
# (`manage.py rqworker`); TASKS_URL=immediate: runs each task in-process as it is enqueued.
TASKS_URL = env.str("TASKS_URL", default="")
if TASKS_URL.startswith(("redis://", "rediss://", "unix://")):
    INSTALLED_APPS += ["django_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": TASKS_URL, "DEFAULT_TIMEOUT": 600}}
    RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job"}  # rqworker runs Tasks API tasks
elif TASKS_URL == "immediate:":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Tasks declared with notifications.retries.retried_task run again when they raise: after
# TASK_RETRY_SECONDS, then x4 each time (at most TASK_RETRY_MAX_SECONDS apart), TASK_RETRY_ATTEMPTS
# tries in all; then they are listed as failed for admins to run again.
TASK_RETRY_SECONDS = env.int("TASK_RETRY_SECONDS", default=30)
TASK_RETRY_MAX_SECONDS = env.int("TASK_RETRY_MAX_SECONDS", default=3600)
TASK_RETRY_ATTEMPTS = env.int("TASK_RETRY_ATTEMPTS", default=5)
# The one schedule of periodic work: key -> dotted path of a function (no arguments), run every
# `every` seconds, `at` seconds into each period (UTC). Workers started --with-scheduler, or
# `manage.py scheduler`, enqueue each run once however many of them tick.
DAY = 24 * 60 * 60
PERIODIC_TASKS = {
    "deliveries.sweep": {"call": "notifications.deliveries.sweep", "every": 30},
    "notifications.escalate": {"call": "notifications.services.escalations_run", "every": 60},
    "accounts.prune_refresh_tokens": {
        "call": "accounts.services.refresh_tokens_prune",
        "every": DAY,
        "at": 3 * 60 * 60,
    },
    "accounts.prune_pending_signups": {
        "call": "accounts.services.pending_signups_prune",
        "every": DAY,
        "at": 3 * 60 * 60 + 5 * 60,
    },
    "notifications.recount_unread": {
        "call": "notifications.services.unread_recount",
        "every": DAY,
        "at": 3 * 60 * 60 + 10 * 60,
    },
    "appointments.reminders": {"call": "appointments.reminders.reminders_send", "every": 60},
    "messaging.urgent_overdue": {"call": "messaging.services.urgent_overdue_run", "every": 60},
    "messaging.recount_unread": {
        "call": "messaging.services.unread_recount",
        "every": DAY,
        "at": 3 * 60 * 60 + 30 * 60,
    },
    # Seals new audit rows into their clinic's hash chain (accounts.audit_chain).
    "accounts.audit_seal": {"call": "accounts.audit_chain.seal", "every": 60},
    # Stored 201 answers (PHI) are deleted within 15 minutes of IDEMPOTENCY_KEY_HOURS.
    "core.idempotency_keys_prune": {"call": "core.idempotency.keys_prune", "every": 15 * 60},
    "core.reconcile": {"call": "core.reconcile.reconcile_report", "every": 60 * 60, "at": 15 * 60},
    # Hourly: each clinic's tasks missed at its midnight, patients' reminders at their hour.
    "programs.nightly": {"call": "programs.services.nightly_run", "every": 60 * 60},
    "programs.reminders": {"call": "programs.services.daily_reminders_run", "every": 60 * 60},
    "programs.behind_digest": {
        "call": "programs.services.behind_digest_run",
        "every": 7 * DAY,
        "at": 4 * DAY + 7 * 60 * 60,  # Mondays 07:00 UTC
    },
    "tasks.maintenance": {
        "call": "notifications.worker.database_maintenance",
        "every": DAY,
        "at": 3 * 60 * 60 + 20 * 60,
    },
    # SQLite's planner statistics (core.planner): a clinic that grew since yesterday is searched
    # through its indexes, not walked.
    "core.planner_statistics": {
        "call": "core.planner.statistics_refresh",
        "every": DAY,
        "at": 3 * 60 * 60 + 40 * 60,
    },
}

# --- Notifications -------------------------------------------------------------------------------
# A critical alert still unread after this long goes to every clinician of the clinic.
CRITICAL_ESCALATION_MINUTES = env.int("CRITICAL_ESCALATION_MINUTES", default=30)
# Webhook and push endpoints must be public https:// URLs unless this is on (development, tests).
WEBHOOKS_ALLOW_INSECURE = env.bool("WEBHOOKS_ALLOW_INSECURE", default=False)
WEBHOOK_TIMEOUT = env.int("WEBHOOK_TIMEOUT", default=10)
# Web Push (VAPID) keys: `python -m notifications.push` prints a pair to paste here.
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_PUBLIC_KEY = env.str("WEBPUSH_VAPID_PUBLIC_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env.str("WEBPUSH_VAPID_SUBJECT", default="") or (
    "mailto:" + DEFAULT_FROM_EMAIL.rpartition("<")[2].rstrip(">")
)
# Patients have only the mobile app: their notification e-mails and push messages link to this
# base + a path such as /labs or /messages/<id> (a universal link like
# https://app.example.org/open, or a scheme like healthpassport://). Empty: no link.
PATIENT_APP_LINK = env.str("PATIENT_APP_LINK", default="")

# --- Appointments --------------------------------------------------------------------------------
# Telehealth meeting links: "{room}" is replaced by each appointment's unguessable room name,
# e.g. https://meet.example.org/{room} for a self-hosted Jitsi. Empty: no links are shown.
TELEHEALTH_URL_TEMPLATE = env.str("TELEHEALTH_URL_TEMPLATE", default="")

# --- Caches (rate limits). Use a shared cache such as the database's across workers. -------------
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- Internationalisation: English and Spanish (locale/), every string marked; times in UTC. ----
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date and one date-time format per clinic locale (activated by clinics.middleware).
FORMAT_MODULE_PATH = ["clinics.formats"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static and media ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / env.str("STATIC_ROOT", default="staticfiles")  # relative to the project
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / env.str("MEDIA_ROOT", default="media")
LOGO_MAX_BYTES = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Patient files (the files app; README "Files"). Stored under random keys in the "files"
# storage: MEDIA_ROOT/private/files by default, which no URL serves (downloads go through the
# files app's authorised views), or an S3-compatible bucket with FILE_STORAGE=s3.
FILE_MAX_MB = env.int("FILE_MAX_MB", default=25)
FILE_STORAGE = env.str("FILE_STORAGE", default="filesystem")
if FILE_STORAGE == "s3":
    STORAGES["files"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("FILE_S3_BUCKET"),
            "endpoint_url": env.str("FILE_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("FILE_S3_REGION", default="") or None,
            # Unset: boto3's own chain (AWS_ACCESS_KEY_ID..., instance roles) applies.
            "access_key": env.str("FILE_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("FILE_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("FILE_S3_PREFIX", default=""),
            "addressing_style": env.str("FILE_S3_ADDRESSING_STYLE", default="") or None,
            "querystring_auth": True,
            "file_overwrite": True,  # keys are random: skip a HEAD request per upload
        },
    }
elif FILE_STORAGE == "filesystem":
    STORAGES["files"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": MEDIA_ROOT / "private" / "files",
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
else:
    raise ImproperlyConfigured("FILE_STORAGE must be 'filesystem' or 's3'.")
# Virus scanning of uploads: "" (none), "clamd" (CLAMAV_SOCKET: a unix socket path or
# tcp://host:port; setting CLAMAV_SOCKET alone selects it), or a scanner's dotted path.
CLAMAV_SOCKET = env.str("CLAMAV_SOCKET", default="")
FILE_SCANNER = env.str("FILE_SCANNER", default="") or ("clamd" if CLAMAV_SOCKET else "")

# --- AI assist: an OpenAI-compatible chat-completions endpoint, off unless set (and then only for
# clinics that switch it on); without it everything runs in process, offline.
AI_PROVIDER_URL = env.str("AI_PROVIDER_URL", default="").rstrip("/")
AI_MODEL = env.str("AI_MODEL", default="")
AI_API_KEY = env.str("AI_API_KEY", default="")
AI_PROVIDER_TIMEOUT = env.float("AI_PROVIDER_TIMEOUT", default=20.0)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security headers (nosniff, COOP and Referrer-Policy are also Django's defaults) -----------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HTTPS on by default outside DEBUG; each switch exists for deployments behind a TLS proxy.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Content-Security-Policy (django-csp): only the project's own files; the few inline <style>
# and <script> blocks carry the request's nonce (`{{ request.csp_nonce }}`). No 'unsafe-inline'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF, CSP_NONCE],
        "style-src": [CSP_SELF, CSP_NONCE],
        "img-src": [CSP_SELF, "data:", "blob:"],
        "font-src": [CSP_SELF, "data:"],
        "connect-src": [CSP_SELF],
        "worker-src": [CSP_SELF, "blob:"],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    }
}

# --- Reliability (README "Reliability and operations") ------------------------------------------
# Retries of an API POST with the same Idempotency-Key get the first 201 for this long.
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
# A key whose request is still running after this long (its worker died) may be taken over.
IDEMPOTENCY_LEASE_SECONDS = env.int("IDEMPOTENCY_LEASE_SECONDS", default=120)

# Units of the starter lab catalogue new clinics get: "conventional" (mg/dL, %) or "si"
# (mmol/L, µmol/L, mmol/mol); a clinic admin can switch later on /labs/catalogue/.
LABS_UNIT_SYSTEM = env.str("LABS_UNIT_SYSTEM", default="conventional")

# LOG_FORMAT=json: one JSON object per line (a line per request: method, route, status,
# duration, request id; never a query string or a raw path). Otherwise readable text.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.requestlog.RequestIdFilter"},
        "no_addresses": {"()": "core.requestlog.NoAddressesFilter"},
    },
    "formatters": {
        "json": {"()": "core.requestlog.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "no_addresses"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's own console handler would print its errors a second time, unformatted.
        "django": {"handlers": [], "level": "INFO"},
        # Django's "Not Found: /path" lines for 4xx would copy whatever a client put in the
        # path; the request log line (route pattern, status) says what happened. 5xx still log.
        "django.request": {"level": "ERROR"},
    },
}
