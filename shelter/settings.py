"""Reunite settings.

Every value comes from an environment variable with a default that runs locally
with no servers: SQLite, media on disk, the embedded vector index.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
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


def envfloat(name: str, default: float) -> float:
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
    "dogs",
    "search",
    "reunions",
    "public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files (compressed, cache-forever names) without a separate server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))

MEDIA_URL = env("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))

# --- Storage: media on local disk under MEDIA_ROOT, or in an S3 bucket (AWS or any S3-compatible store).
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
# --- end of storage

# Photo uploads. Django's own request limits are set to match: file data is not
# counted by DATA_UPLOAD_MAX_MEMORY_SIZE, so forms enforce the size per file.
PHOTO_MAX_UPLOAD_BYTES = envint("PHOTO_MAX_UPLOAD_BYTES", 15 * 1024 * 1024)
PHOTO_MAX_PIXELS = envint("PHOTO_MAX_PIXELS", 50_000_000)
PHOTOS_PER_FORM = envint("PHOTOS_PER_FORM", 8)
FILE_UPLOAD_MAX_MEMORY_SIZE = PHOTO_MAX_UPLOAD_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FILES = PHOTOS_PER_FORM

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

# Lost and found. Similarities below MATCH_THRESHOLD are listed as weak matches and
# raise no alert. Unset, it follows the active model (see MATCH_THRESHOLDS and the README).
MATCH_THRESHOLD = envfloat("MATCH_THRESHOLD", 0.0) or None
# efficientnet-lite0: the equal-error-rate threshold (0.659) that evaluate_matching measured on
# the darknet sample photos with altered copies. clip-ViT-B-32: a starting point only; its
# weights cannot be fetched here to measure it. Calibrate both on your own photos.
MATCH_THRESHOLDS = {"efficientnet-lite0": 0.65, "clip-ViT-B-32": 0.85}
DEFAULT_MATCH_THRESHOLD = 0.85
DEFAULT_STRAY_HOLD_DAYS = envint("DEFAULT_STRAY_HOLD_DAYS", 7)
# Absolute links in alert emails.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Owners' claims to shelters (counted in the database, rolling 24 hours) and their photo
# searches of found dogs (counted in the cache, per clock hour).
CLAIMS_PER_DAY = envint("CLAIMS_PER_DAY", 5)
OWNER_SEARCHES_PER_HOUR = envint("OWNER_SEARCHES_PER_HOUR", 30)

# The cache counts owners' photo searches. The default lives in each process, so with several
# workers each counts alone: production sets a shared one, e.g. the database
# (CACHE_BACKEND=django.core.cache.backends.db.DatabaseCache, CACHE_LOCATION=reunite_cache,
# then `manage.py createcachetable`), which needs no other server.
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
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"

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
