"""Settings for the site, read from environment variables with safe defaults.

With no configuration at all it runs on SQLite (var/db.sqlite3) and a Redis on
127.0.0.1:6379. DATABASE_URL and REDIS_URL switch to PostgreSQL and another
Redis. See README.md for the full list.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

from config.env import env_bool, env_choice, env_int, env_list, env_secret, env_str, private_dir, private_file

BASE_DIR = Path(__file__).resolve().parent.parent  # platform/
REPO_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("VAR_DIR", str(REPO_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Required: a process without SECRET_KEY refuses to start. `make run` and the tests opt in to a
# key generated once into var/secret-key (GENERATE_SECRET_KEY=1); production never should.
SECRET_KEY = env_secret("SECRET_KEY", VAR_DIR / "secret-key", allow_generated=env_bool("GENERATE_SECRET_KEY", False))
# Rotating the key (docs/deploy.md): the old keys, comma-separated, still verify sessions,
# password-reset links and signed values until they expire; new ones are signed with SECRET_KEY.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_NAME = env_str("SITE_NAME", "Redes Neurais & GPT")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "catalog",
    "courses",
    "submissions",
    "operations",
    "review",
    "similarity",
    "coursestats",
    "regrade",
    "gradebook",
    "axes",
    "csp",
    "health_check",
]

MIDDLEWARE = [
    # First: every later log line of the request carries its id, and every answer its header.
    "config.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.CourseLanguageMiddleware",
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A database that does not answer: the site's own 503 page, never a 500 with a traceback.
    "config.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Failed logins are throttled per account and per address (django-axes), on the site's
# login and the admin's: after AXES_FAILURE_LIMIT failures that username, and that address,
# wait AXES_COOLOFF_MINUTES; a successful login clears the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, reading the user from the signed copy in Redis first (config.session_cache,
    # which also reads sessions saved before it, naming ModelBackend, as naming this one).
    "config.session_cache.CachedModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy, the number of proxies that append to X-Forwarded-For (0: none, the
# connection's address is the client's). See config/client_ip.py.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        # Each process keeps its connection for a minute: opening one per request cost PostgreSQL
        # about 8 ms of CPU a request in bench/burst.py (a backend forked and authenticated each time).
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, results consumer) share the file: wait on locks
    # instead of failing, and give tests a file that other processes can open.
    DATABASES["default"]["OPTIONS"] = {"timeout": env_int("SQLITE_TIMEOUT", 20), "transaction_mode": "IMMEDIATE"}
    # One file per test run (two runs at once in one checkout would flush each other's).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
    # The file holds every student's work and password hash: readable by this user only (its folder
    # 0700, the file 0600; SQLite gives its journal files the database file's mode).
    if str(DATABASES["default"]["NAME"]) not in ("", ":memory:"):
        private_file(Path(DATABASES["default"]["NAME"]))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2id with OWASP's recommended parameters (config.hashers): memory-hard, about 18 ms of
# CPU a login where Django's default PBKDF2 (one million rounds) takes 220 ms. Existing PBKDF2
# hashes still verify and are rewritten as Argon2id at the user's next login.
PASSWORD_HASHERS = [
    "config.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Who may create a course (and becomes its instructor): "staff" (Django is_staff accounts) or "anyone" logged in.
COURSE_CREATORS = "anyone" if env_str("COURSE_CREATORS", "staff").strip().lower() == "anyone" else "staff"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Password-reset mail: printed on the console (make run's output) unless a real backend is set.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# The SMTP backend's server (django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Where the file-based backend (django.core.mail.backends.filebased.EmailBackend) writes each mail.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
    private_dir(Path(EMAIL_FILE_PATH))  # password-reset links: this user only
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Redes Neurais & GPT <no-reply@localhost>")

# pt-BR first, English beside it.
LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", "Português (Brasil)"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "America/Sao_Paulo")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(REPO_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production (the image runs collectstatic when it is built): whitenoise serves the collected
# files under content-hashed names, compressed, cached for ever. `make run` and the tests set
# STATIC_MANIFEST=0 and are served straight from the source folders, with no collectstatic.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# --- HTTPS and browser security -------------------------------------------------------
# Secure by default; `make run` (plain HTTP on 127.0.0.1) turns SECURE_COOKIES and
# SECURE_SSL_REDIRECT off explicitly.
SESSION_COOKIE_HTTPONLY = True
# Database sessions, read from a signed copy in Redis that lives a minute (config.session_cache);
# SESSION_CACHE_URL= (empty) reads the database every time.
SESSION_ENGINE = "config.session_cache"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"  # sent on a link followed from elsewhere, never on a cross-site POST
CSRF_COOKIE_SAMESITE = "Lax"
# The site's scripts read the token from the form's hidden field, never from the cookie.
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# The load balancer probes the health endpoint over plain HTTP (paths without the leading slash).
SECURE_REDIRECT_EXEMPT = [r"^health/?$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Trust the proxy's header saying the request came over HTTPS only when told its name (e.g.
# HTTP_X_FORWARDED_PROTO), and only behind a proxy that sets it itself: otherwise any client
# could claim HTTPS.
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = (_proxy_header, "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = env_str("SECURE_CROSS_ORIGIN_OPENER_POLICY", "same-origin")
X_FRAME_OPTIONS = "DENY"
# Preloading is a promise to browsers' built-in lists that is slow to take back, so it is off
# unless asked for (SECURE_HSTS_PRELOAD=1); Django's deploy check would remind of it every time.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Content-Security-Policy (django-csp): no inline script, no inline style, no plugin, no frame.
# Data for the scripts travels in <script type="application/json"> blocks (json_script), which
# the browser does not run. The lesson figures are SVG files loaded as images, never inline, and
# the scripts set styles through the DOM (element.style), which the policy allows. One exception:
# CodeMirror writes its styles into a <style> element, allowed by a per-request nonce that the
# coding page hands it (only pages that use request.csp_nonce send one).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- Celery ---------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
SESSION_CACHE_URL = env_str("SESSION_CACHE_URL", REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60, "queue_order_strategy": "priority"}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "results"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Publishing a task waits at most this long for the broker before giving up.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}

GRADER_EXERCISES_DIR = env_str("GRADER_EXERCISES_DIR", str(REPO_DIR / "exercises"))
STATUS_POLL_MS = env_int("STATUS_POLL_MS", 1000)
# Status requests one user may make per minute, all submissions together (a page polls about
# once a second while it is visible, far less when hidden).
STATUS_POLLS_PER_MINUTE = env_int("STATUS_POLLS_PER_MINUTE", 150)
# No request body beyond this is read at all (code is at most 64 KiB, grader.content's
# MAX_SOURCE_BYTES; a form with it fits easily); Django's own in-memory limits follow it.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
# One student cannot fill the queues: at most this many submissions waiting or being graded
# per exercise (one running and one queued) and across all exercises; older ones than the
# window (a lost job) no longer count.
SUBMISSIONS_ACTIVE_PER_EXERCISE = env_int("SUBMISSIONS_ACTIVE_PER_EXERCISE", 2)
SUBMISSIONS_ACTIVE_PER_STUDENT = env_int("SUBMISSIONS_ACTIVE_PER_STUDENT", 4)
SUBMISSIONS_ACTIVE_WINDOW_MINUTES = env_int("SUBMISSIONS_ACTIVE_WINDOW_MINUTES", 30)
# Quiz answers one student may send per minute, all items together (late practice has no
# attempt limit; this keeps a script from hammering the grader).
QUIZ_ANSWERS_PER_MINUTE = env_int("QUIZ_ANSWERS_PER_MINUTE", 12)
# Draft saves one user may make per minute (the editor saves 1.5 s after typing stops, and when
# the page is hidden or left); beyond that the editor waits and saves again later.
DRAFT_SAVES_PER_MINUTE = env_int("DRAFT_SAVES_PER_MINUTE", 30)
# The operations page offers to re-send a submission still queued after this many seconds
# (a running one: after its exercise's time limit and a minute).
OPERATIONS_STALE_SECONDS = env_int("OPERATIONS_STALE_SECONDS", 120)
# The sweeper (submissions.sweeper), sent every SWEEP_INTERVAL_SECONDS by the scheduler: it
# publishes what was never published (older than SWEEP_PUBLISH_GRACE_SECONDS), re-sends what the
# broker or a dead worker lost, and marks sandbox_error (not charged) what was sent SWEEP_MAX_DELIVERIES times.
SWEEP_INTERVAL_SECONDS = env_int("SWEEP_INTERVAL_SECONDS", 30)
SWEEP_PUBLISH_GRACE_SECONDS = env_int("SWEEP_PUBLISH_GRACE_SECONDS", 15)
SWEEP_MAX_DELIVERIES = env_int("SWEEP_MAX_DELIVERIES", 4)
# A running submission is lost (its worker died) once it runs this long past its time limit.
SWEEP_RUNNING_GRACE_SECONDS = env_int("SWEEP_RUNNING_GRACE_SECONDS", 90)

# --- Health and metrics -----------------------------------------------------------------
# /metrics answers a request bearing this token (Authorization: Bearer ...) or a logged-in
# superuser; with no token set, superusers only.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# --- Logs ------------------------------------------------------------------------------
# One JSON object a line on standard error (LOG_FORMAT=json, the default), with the request id
# of the request that wrote it; `make run` sets LOG_FORMAT=text for a readable console.
LOG_FORMAT = env_choice("LOG_FORMAT", "json", ("json", "text"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,  # ISO 8601, UTC
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Each request is logged once by config.logs (with its id, status and duration); runserver's
    # own access line would repeat it.
    "loggers": {
        "django.server": {"level": "WARNING"},
        # A failing check is in the answer itself; its traceback on every probe of the load balancer is noise.
        "health_check": {"level": "ERROR"},
    },
}
