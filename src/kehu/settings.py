"""One settings module, driven by the environment (see the KEHU_* table in README.md)."""

import secrets
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from kehu.env import data_dir, env_bool, env_int, env_list, env_str, repo_root, write_secret_file

BASE_DIR = Path(__file__).resolve().parent
REPO_ROOT = repo_root()
DATA_DIR = data_dir()


def _secret_key() -> str:
    configured = env_str("KEHU_SECRET_KEY")
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(50)
    write_secret_file(path, key)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("KEHU_DEBUG", False)
ALLOWED_HOSTS = env_list("KEHU_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("KEHU_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "kehu.web",  # first, so its templates (login, base) win
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "kehu.accounts",
    "kehu.privacy",
    "kehu.customers",
    "kehu.orders",
    "kehu.scoring",
    "kehu.identity",
    "kehu.exports",
    "kehu.imports",
    "kehu.service",
    "kehu.knowledge",
    "kehu.surveys",
    "kehu.sales",
    "kehu.demo",
    "django_tasks",
    "django_tasks_db",
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
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kehu.urls"
WSGI_APPLICATION = "kehu.wsgi.application"

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
                "kehu.web.context_processors.kehu",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------------------
# SQLite is the embedded default. WAL lets readers run beside a writer; IMMEDIATE transactions
# take the write lock at BEGIN, so two writers queue on the busy timeout instead of failing with
# "database is locked" when one of them upgrades a read lock half-way through.
SQLITE_PATH = DATA_DIR / "kehu.sqlite3"
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("KEHU_DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("KEHU_SQLITE_TIMEOUT", 20),
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA temp_store=MEMORY;"
            "PRAGMA mmap_size=268435456;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "customers:list"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("KEHU_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = env_str("KEHU_LANGUAGE", "en")
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("zh-hant", _("Traditional Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Django's stock zh formats drop the thousands separator and cannot read 2026年11月22日.
FORMAT_MODULE_PATH = ["kehu.formats"]
USE_I18N = True
# Off: with it on, every integer a template prints is grouped, ids and versions too ("activity-3,283",
# value="1,234" on a checkbox) once the tables pass 999 rows. Figures people read are grouped
# explicitly by the |num and |money filters.
USE_THOUSAND_SEPARATOR = False
USE_TZ = True
TIME_ZONE = env_str("KEHU_TIME_ZONE", "Asia/Shanghai")
KEHU_CURRENCY = env_str("KEHU_CURRENCY", "CNY")
KEHU_DEFAULT_PHONE_REGION = env_str("KEHU_DEFAULT_PHONE_REGION", "CN")
# A record typed in that is surely an existing customer gets its new phone/email linked to them.
KEHU_IDENTITY_LINK_SURE = env_bool("KEHU_IDENTITY_LINK_SURE", True)

# --- Static files (served by WhiteNoise; front-end packages come from npm at setup) ---------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
NODE_MODULES = REPO_ROOT / "node_modules"
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/sortablejs", NODE_MODULES / "sortablejs"),  # Sortable.min.js: the service board's drag and drop
]
STATICFILES_DIRS = [(prefix, path) for prefix, path in STATICFILES_DIRS if path.exists()]
TESTING = env_bool("KEHU_TESTING", "pytest" in sys.modules)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
if TESTING:
    # Hashing every fixture user's password with PBKDF2 costs ~0.3 s each; tests need none of it.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an integration without valid credentials gets 401 + WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["kehu.accounts.permissions.ModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "kehu.web.pagination.NoCountPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
    "EXCEPTION_HANDLER": "kehu.web.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kehu API",
    "DESCRIPTION": "The customer information file of Kehu (客户) over REST.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Background tasks ------------------------------------------------------------------------
# Django's task interface (django-tasks backport) with the database backend: nothing extra runs
# embedded; `kehu worker` (started by `kehu serve`) executes the queue and the schedules.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# --- Mail ---------------------------------------------------------------------------------
# Outgoing mail (survey invitations, case replies, breach notices) goes to a real SMTP server;
# the tests start one (aiosmtpd) and read what arrives.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("KEHU_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("KEHU_SMTP_PORT", 25)
EMAIL_HOST_USER = env_str("KEHU_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("KEHU_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KEHU_SMTP_STARTTLS", False)
EMAIL_TIMEOUT = env_int("KEHU_SMTP_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("KEHU_MAIL_FROM", "Kehu <kehu@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The service mailbox the worker polls (IMAP): every new mail files a case or threads into one.
KEHU_IMAP_HOST = env_str("KEHU_IMAP_HOST", "")
KEHU_IMAP_PORT = env_int("KEHU_IMAP_PORT", 993)
KEHU_IMAP_SSL = env_bool("KEHU_IMAP_SSL", True)
KEHU_IMAP_USER = env_str("KEHU_IMAP_USER", "")
KEHU_IMAP_PASSWORD = env_str("KEHU_IMAP_PASSWORD", "")
KEHU_IMAP_FOLDER = env_str("KEHU_IMAP_FOLDER", "INBOX")
# The public address of this Kehu, for links in mail and on printed cards (survey links, a
# complaint's status page): https://crm.example.com
KEHU_PUBLIC_URL = env_str("KEHU_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# Shared by every gunicorn worker and the task worker (rate limits of the public complaint and
# survey forms must count across processes): a table in Kehu's own database, nothing else to run.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "kehu_cache"}}
RATELIMIT_USE_CACHE = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KEHU_LOG_LEVEL", "WARNING")},
}
