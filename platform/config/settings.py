"""Settings for the site, read from environment variables with safe defaults.

With no configuration at all it runs on SQLite (var/db.sqlite3) and a Redis on
127.0.0.1:6379. DATABASE_URL and REDIS_URL switch to PostgreSQL and another
Redis. See README.md for the full list.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent  # platform/
REPO_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("VAR_DIR", str(REPO_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY", VAR_DIR / "secret-key")
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.CourseLanguageMiddleware",
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Failed logins are throttled per account and per address (django-axes), on the site's
# login and the admin's: after AXES_FAILURE_LIMIT failures that username, and that address,
# wait AXES_COOLOFF_MINUTES; a successful login clears the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

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
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, results consumer) share the file: wait on locks
    # instead of failing, and give tests a file that other processes can open.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    # One file per test run (two runs at once in one checkout would flush each other's).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
# Where the file-based backend (django.core.mail.backends.filebased.EmailBackend) writes each mail.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Redes Neurais & GPT <no-reply@localhost>")

# pt-BR first, English beside it.
LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", "Português (Brasil)"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "America/Sao_Paulo")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = REPO_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the source folders, so no collectstatic is needed to run.
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Celery ---------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
