"""Reunite settings.

Every value comes from an environment variable with a default that runs locally
with no servers: SQLite, media on disk, the embedded vector index.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envfloat(name: str, default: float | None) -> float | None:
    value = os.environ.get(name)
    return float(value) if value else default


def envsecret(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (Docker/K8s secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


DEBUG = envbool("DEBUG", True)

SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Only for local development: a fixed key keeps sessions across restarts.
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"

ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_tasks",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "worker",
    "shelters",
    "dogs",
    "search",
    "reunions",
    "public",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files (compressed, cache-forever names) without a separate server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which is the first to read a form's body: an oversized one gets a page naming the limit.
    "shelter.middleware.RequestLimitsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so it sees the outcome of authentication (django-axes' own advice).
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "shelter.urls"

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
                "dogs.context_processors.roles",
                "shelters.context_processors.network",
            ],
        },
    },
]

WSGI_APPLICATION = "shelter.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers (web workers, the background worker, a rebuild): readers never block the
    # writer (WAL), a writer takes the lock when its transaction starts (IMMEDIATE) instead of failing
    # "database is locked" half-way, and waits up to SQLITE_TIMEOUT seconds for it.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": envint("SQLITE_TIMEOUT", 20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dogs:my_dogs"
LOGOUT_REDIRECT_URL = "home"

# Pages in the browser's language (LocaleMiddleware), or the one chosen with the switcher; emails and
# posters in their recipient's. `make install` compiles the catalogues in locale/ (compilemessages).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["shelter.formats"]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))

MEDIA_URL = env("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))

# Storage: media on local disk under MEDIA_ROOT, or in an S3 bucket (AWS or any S3-compatible store).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE") or None,
            # Unset: boto3's own chain (instance or task role, ~/.aws, AWS_* variables).
            "access_key": env("AWS_ACCESS_KEY_ID") or None,
            "secret_key": envsecret("AWS_SECRET_ACCESS_KEY") or None,
            "location": env("AWS_LOCATION"),
            # Photos are private: no ACL, so objects follow the bucket's (private) policy; the app
            # serves them to owners and staff only. Signed URLs, should anything ever link to one.
            "default_acl": None,
            "querystring_auth": True,
            # Never replace another photo's object: a clashing name gets a suffix.
            "file_overwrite": False,
        },
    }
if not DEBUG:
    # Hashed names (cached forever) and gzip/brotli copies, made by `collectstatic`.
    STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
# Rescan static files per request while developing (and in tests, which run without collectstatic).
WHITENOISE_AUTOREFRESH = DEBUG

# Photo uploads. Django's own request limits are set to match: file data is not
# counted by DATA_UPLOAD_MAX_MEMORY_SIZE, so forms enforce the size per file.
PHOTO_MAX_UPLOAD_BYTES = envint("PHOTO_MAX_UPLOAD_BYTES", 15 * 1024 * 1024)
PHOTO_MAX_PIXELS = envint("PHOTO_MAX_PIXELS", 50_000_000)
PHOTOS_PER_FORM = envint("PHOTOS_PER_FORM", 8)
FILE_UPLOAD_MAX_MEMORY_SIZE = PHOTO_MAX_UPLOAD_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# Django reads a few times more files than a form takes, so a few too many get the form's own
# message ("Upload at most 8 photos at a time") with everything else kept; past this, or past
# DATA_UPLOAD_MAX_MEMORY_SIZE, shelter.middleware.RequestLimitsMiddleware says which limit it was.
DATA_UPLOAD_MAX_NUMBER_FILES = 4 * PHOTOS_PER_FORM

# Embedding model. EMBEDDING_MODEL picks the encoder; CLIP_MODEL is the
# sentence-transformers name or a local folder holding a copy of it.
EMBEDDING_MODEL = env("EMBEDDING_MODEL", "clip")
CLIP_MODEL = env("CLIP_MODEL", "clip-ViT-B-32")
EMBEDDING_BATCH_SIZE = envint("EMBEDDING_BATCH_SIZE", 16)
TORCH_THREADS = envint("TORCH_THREADS", 0)  # 0: leave torch's default (one per core)
# "auto": float32 or bfloat16, whichever this machine runs faster (timed once, then cached).
EMBEDDING_PRECISION = env("EMBEDDING_PRECISION", "auto")
EMBEDDING_PRECISION_CACHE = env(
    "EMBEDDING_PRECISION_CACHE",
    str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reunite" / "embedding-precision.json"),
)
# Which views of a photo are embedded (search/embeddings/recipe.py): "whole", "flip", "crop",
# "crop+flip", "whole+crop", "whole+crop+flip", "pool" (EfficientNet-Lite0 only). Empty: the
# model's own, what the README's table supports ("pool" for EfficientNet-Lite0, "whole" for CLIP).
# Part of the model version: change it with `manage.py change_model`.
EMBEDDING_RECIPE = env("EMBEDDING_RECIPE", "")
# Load the model as a worker starts, not on its first request. shelter/gunicorn.conf.py turns it on.
EMBEDDING_WARM_START = envbool("EMBEDDING_WARM_START", False)

# Vector index.
SEARCH_BACKENDS = {
    "embedded": "search.backends.embedded.EmbeddedIndex",
    "elasticsearch": "search.backends.elasticsearch.ElasticsearchIndex",
}
SEARCH_BACKEND = env("SEARCH_BACKEND", "embedded")
SEARCH_RESULTS = envint("SEARCH_RESULTS", 10)
# Photos fetched per wanted dog, so that dogs with several photos still fill the list.
SEARCH_PHOTOS_PER_DOG = envint("SEARCH_PHOTOS_PER_DOG", 5)

ELASTICSEARCH_URL = env("ELASTICSEARCH_URL", "http://127.0.0.1:9200")
ELASTICSEARCH_CLOUD_ID = env("ELASTICSEARCH_CLOUD_ID")
ELASTICSEARCH_USERNAME = env("ELASTICSEARCH_USERNAME")
ELASTICSEARCH_PASSWORD = envsecret("ELASTICSEARCH_PASSWORD")
ELASTICSEARCH_API_KEY = envsecret("ELASTICSEARCH_API_KEY")
ELASTICSEARCH_CA_CERTS = env("ELASTICSEARCH_CA_CERTS")
ELASTICSEARCH_VERIFY_CERTS = envbool("ELASTICSEARCH_VERIFY_CERTS", True)
ELASTICSEARCH_TIMEOUT = envfloat("ELASTICSEARCH_TIMEOUT", 10.0)
ELASTICSEARCH_MAX_RETRIES = envint("ELASTICSEARCH_MAX_RETRIES", 2)
# Staff searches: a short timeout and one retry after a lost connection, none after a timeout, so a
# stalled Elasticsearch answers the "index unavailable" page within seconds, not after 3 x 10 s.
ELASTICSEARCH_SEARCH_TIMEOUT = envfloat("ELASTICSEARCH_SEARCH_TIMEOUT", 2.0)
# Each request of an index operation (search_index, scans, scroll clean-ups, alias moves); not retried
# after a timeout, so a command against a stalled server ends with an error instead of hanging.
ELASTICSEARCH_OPERATION_TIMEOUT = envfloat("ELASTICSEARCH_OPERATION_TIMEOUT", 30.0)
ELASTICSEARCH_INDEX = env("ELASTICSEARCH_INDEX", "dog-image-index")
ELASTICSEARCH_SHARDS = envint("ELASTICSEARCH_SHARDS", 1)
ELASTICSEARCH_REPLICAS = envint("ELASTICSEARCH_REPLICAS", 0)
ELASTICSEARCH_REFRESH_INTERVAL = env("ELASTICSEARCH_REFRESH_INTERVAL", "5s")
ELASTICSEARCH_NUM_CANDIDATES = envint("ELASTICSEARCH_NUM_CANDIDATES", 100)
ELASTICSEARCH_VECTOR_INDEX_TYPE = env("ELASTICSEARCH_VECTOR_INDEX_TYPE", "hnsw")
# Quantised types (int8_hnsw, ...) re-rank oversample x k candidates with the float vectors; 0 turns it off.
ELASTICSEARCH_RESCORE_OVERSAMPLE = envfloat("ELASTICSEARCH_RESCORE_OVERSAMPLE", 2.0)
ELASTICSEARCH_BULK_CHUNK_SIZE = envint("ELASTICSEARCH_BULK_CHUNK_SIZE", 500)
# Make each write searchable at once (a refresh per write: for tests and very small sites).
ELASTICSEARCH_REFRESH_ON_WRITE = envbool("ELASTICSEARCH_REFRESH_ON_WRITE", False)

# The background worker (`manage.py run_worker`): tasks are written in the request's transaction
# and run there, with retries. WORKER_DRAINS are the other queues it empties on each pass.
TASKS = {"default": {"BACKEND": "worker.backend.OutboxBackend"}}
WORKER_DRAINS = ["search.sync.drain", "dogs.retention.drain", "reunions.holds.drain"]
# Called once as `run_worker` starts: the model loads in a background thread, so the first photo
# after a deploy does not wait for it (/health/ shows the worker's model state only in the worker).
WORKER_ON_START = ["search.embeddings.warm_up"]
WORKER_POLL_SECONDS = envfloat("WORKER_POLL_SECONDS", 0.5)
WORKER_BATCH_SIZE = envint("WORKER_BATCH_SIZE", 32)
WORKER_LEASE_SECONDS = envint("WORKER_LEASE_SECONDS", 300)
WORKER_RETRY_BASE_SECONDS = envfloat("WORKER_RETRY_BASE_SECONDS", 2.0)
WORKER_RETRY_MAX_SECONDS = envfloat("WORKER_RETRY_MAX_SECONDS", 600.0)
WORKER_MAX_ATTEMPTS = envint("WORKER_MAX_ATTEMPTS", 25)
# /health/ says "degraded" when the oldest pending change or the newest heartbeat is older than this.
WORKER_STALE_SECONDS = envint("WORKER_STALE_SECONDS", 60)

# Match labels. A similarity at or above the model's "likely" threshold is a Likely match, at or
# above "possible" a Possible match, below it Unlikely; only likely and possible matches show the
# owner's contact and raise alerts. `manage.py evaluate_matching` suggests both on your own photos
# (README, "Match labels"); MATCH_THRESHOLD / MATCH_POSSIBLE_THRESHOLD set them for any model.
MATCH_THRESHOLD = envfloat("MATCH_THRESHOLD", None)
MATCH_POSSIBLE_THRESHOLD = envfloat("MATCH_POSSIBLE_THRESHOLD", None)
# Measured per model (looked up by the model's name, or a CLIP folder's name). efficientnet-lite0:
# evaluate_matching on Debian's darknet photos, 7 scenes x 4 copies (recall@1 1.000, no overlap
# between same- and different-scene scores, so both bands meet at the equal-error point).
MATCH_THRESHOLDS = {
    "efficientnet-lite0": {"likely": 0.669, "possible": 0.668, "measured_on": "Debian's darknet sample photos"},
    # evaluate_matching --set darknet --recipe pool: recall@1 1.000, no overlap, EER point 0.619.
    "efficientnet-lite0@pool": {"likely": 0.619, "possible": 0.618, "measured_on": "Debian's darknet sample photos"},
}
# A model with no measured thresholds (CLIP: its weights cannot be fetched here to measure them)
# uses these, and staff pages and /health/ say its labels are uncalibrated.
UNCALIBRATED_THRESHOLDS = {"likely": 0.85, "possible": 0.75}
DEFAULT_STRAY_HOLD_DAYS = envint("DEFAULT_STRAY_HOLD_DAYS", 7)
# Absolute links in alert emails.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Owners' claims to shelters (rolling 24 hours) and their photo searches of found dogs (per clock
# hour), both counted in the database so they hold across processes and parallel requests.
CLAIMS_PER_DAY = envint("CLAIMS_PER_DAY", 5)
OWNER_SEARCHES_PER_HOUR = envint("OWNER_SEARCHES_PER_HOUR", 30)
# Password-reset emails asked for one address per clock hour (counted in the database, known or not).
PASSWORD_RESETS_PER_HOUR = envint("PASSWORD_RESETS_PER_HOUR", 3)
# Rows of the contact-view log older than this are deleted by the background worker (once a day).
CONTACT_VIEW_RETENTION_DAYS = envint("CONTACT_VIEW_RETENTION_DAYS", 365)

# A shelter network: staff join a shelter through an emailed link, valid this many days.
INVITATION_DAYS = envint("INVITATION_DAYS", 7)
# Shelters' software: webhooks are POSTed by the worker with a short timeout, never following a
# redirect. Addresses on private, loopback and link-local networks are refused unless allowed (a
# shelter admin could otherwise make the server call its own Elasticsearch); on by default only with DEBUG.
WEBHOOK_TIMEOUT_SECONDS = envfloat("WEBHOOK_TIMEOUT_SECONDS", 5.0)
WEBHOOK_ALLOW_PRIVATE_URLS = envbool("WEBHOOK_ALLOW_PRIVATE_URLS", DEBUG)
# "hold.expiring" is sent once per found dog, this many days before its hold ends; the worker
# looks at most every HOLD_CHECK_SECONDS.
HOLD_EXPIRING_DAYS = envint("HOLD_EXPIRING_DAYS", 2)
HOLD_CHECK_SECONDS = envint("HOLD_CHECK_SECONDS", 3600)

# The REST API (/api/v1/): API keys of shelters, one error body, cursor pages, a rate per key.
API_REQUESTS_PER_MINUTE = envint("API_REQUESTS_PER_MINUTE", 120)
API_PAGE_SIZE = envint("API_PAGE_SIZE", 25)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.APIKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.HasShelterAPIKey"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerKeyThrottle"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ReuniteSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Reunite API",
    "DESCRIPTION": "Record found dogs, read their likely owners, search by photo. Authenticate with a "
    "shelter's API key: `Authorization: Api-Key <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components: uploads are binary going in, never coming out.
    "COMPONENT_SPLIT_REQUEST": True,
    # The interactive docs' scripts come from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"FoundStatusEnum": "reunions.models.FoundReport.Status"},
}

# Django's cache: Reunite counts nothing in it, so the per-process default is fine for any number of workers.
CACHES = {
    "default": {
        "BACKEND": env("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env("CACHE_LOCATION"),
    }
}

# Login throttling (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envfloat("AXES_COOLOFF_HOURS", 1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lockout page, with Retry-After.
AXES_LOCKOUT_CALLABLE = "dogs.access.login_locked_out"

# Content-Security-Policy (django-csp) on every page: scripts and style sheets only from this site,
# no inline script (JSON-LD blocks are data, never run, so they need no nonce). Images may also be
# data: URIs (photos re-encoded into posters and search previews) and blob: URLs (upload previews).
# Our pages have no inline style (similarities are <meter> elements); style *attributes* are allowed
# only because the Django admin's own templates use them, and an attribute can run no script and,
# with img-src/font-src/connect-src on 'self', load nothing from elsewhere.
# Images served by dogs.photos.image_response keep their own stricter policy (default-src 'none').
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Reunite <reunite@localhost>")

if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the whole domain and its subdomains to HTTPS for months and is
        # hard to undo: a shelter opts in knowingly (SECURE_HSTS_PRELOAD=1), so no warning.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    # Load balancers probe over plain HTTP; a redirect to HTTPS would read as a failure.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # One JSON object per line, for log collectors (LOG_FORMAT=json).
        "json": {"()": "shelter.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": env("LOG_FORMAT", "plain")}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"level": "INFO"},
        # Every request at INFO drowns the useful lines; failures still log at WARNING.
        "elastic_transport": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
