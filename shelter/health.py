"""`/health/` for load balancers and monitoring: database, vector index, embedding model.

200 with status "ok", or "degraded" when the index or the model is down (owners can
still register dogs; changes wait in the outbox); 503 with "down" when the database
is unreachable, and 503 with "warming" while this worker loads the model as it starts.
The check is cheap: one `SELECT 1`, one short Elasticsearch request, and the model's
state as this process knows it; it never loads the model.

The endpoint is public, so error texts are sanitised: credentials in URLs and the
configured secrets are masked.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from search.backends import get_index
from search.embeddings import model_status
from search.models import PendingIndexUpdate

# A load balancer probes every few seconds; a slow index must not make the probe time out.
INDEX_TIMEOUT_S = 2.0
MAX_ERROR_LENGTH = 300

_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")
_PASSWORD_PARAMETER = re.compile(r"(?i)\b(password|passwd|pwd|secret|api_key|apikey|token)=\S+")


def _secrets() -> list[str]:
    values = [
        settings.SECRET_KEY,
        settings.ELASTICSEARCH_PASSWORD,
        settings.ELASTICSEARCH_API_KEY,
        urlsplit(settings.ELASTICSEARCH_URL).password or "",
        settings.DATABASES[DEFAULT_DB_ALIAS].get("PASSWORD") or "",
        settings.STORAGES["default"].get("OPTIONS", {}).get("secret_key") or "",
    ]
    # Longest first, so a secret containing another is masked whole.
    return sorted({str(value) for value in values if value}, key=len, reverse=True)


def sanitise(text: str) -> str:
    """An error message fit for a public page: no credentials, short."""
    text = _URL_CREDENTIALS.sub(r"\1***@", text)
    text = _PASSWORD_PARAMETER.sub(r"\1=***", text)
    for secret in _secrets():
        text = text.replace(secret, "***")
    return text[:MAX_ERROR_LENGTH]


def _error(exc: BaseException) -> str:
    return sanitise(f"{type(exc).__name__}: {exc}")


def check_database() -> dict:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", and is reported, not raised
        return {"ok": False, "error": _error(exc)}
    return {"ok": True}


def check_index(database_ok: bool) -> dict:
    result: dict = {"ok": True, "backend": settings.SEARCH_BACKEND, "reachable": True}
    try:
        get_index().ping(timeout=INDEX_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - an unreachable or misconfigured index is "degraded", not a crash
        result.update(ok=False, reachable=False, error=_error(exc))
    result["pending"] = _pending() if database_ok else None
    return result


def _pending() -> int | None:
    """Changes waiting for the index (the outbox); None when they cannot be counted."""
    try:
        return PendingIndexUpdate.objects.count()
    except Exception:  # noqa: BLE001 - e.g. migrations not applied yet; the database check says the rest
        return None


def check_model() -> dict:
    status = model_status()
    # "cold" is fine: the model loads on first use. Only a failed load is not ok; "warming"
    # (loading as the worker starts) is reported on its own for readiness checks.
    return {
        "ok": not status.error,
        "name": status.name,
        "loaded": status.loaded,
        "precision": status.precision,
        "error": sanitise(status.error),
        "state": status.state,
        "retry_in_s": None if status.retry_in_s is None else round(status.retry_in_s),
        "precision_choice": status.precision_choice,
    }


@require_safe
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    database = check_database()
    index = check_index(database["ok"])
    model = check_model()
    if not database["ok"]:
        status, code = "down", 503
    elif model["state"] == "warming":
        # Ready for traffic only once this worker holds the model: a load balancer's
        # readiness check waits, and no request pays for the load.
        status, code = "warming", 503
    elif not (index["ok"] and model["ok"]):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "database": database, "index": index, "model": model}, status=code)
