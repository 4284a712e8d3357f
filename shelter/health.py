"""`/health/` for load balancers and monitoring: database, vector index, embedding model, background worker.

200 with status "ok", or "degraded" when the index or the model is down, the index's name is
taken by an index that is not Reunite's, or the worker is behind (owners can still register dogs;
changes wait in the outbox); 503 with "down" when the database is unreachable, and 503 with
"warming" while this web process loads the model as it starts. The check is cheap: a few small
queries, one short Elasticsearch request, and the model's state as this process knows it; it
never loads the model.

The endpoint is public, so error texts are sanitised: credentials in URLs and the
configured secrets are masked.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from search.backends.base import IndexConflict
from search.embeddings import model_status
from search.index import get_index
from search.labels import thresholds
from search.models import PendingIndexUpdate
from worker.models import Heartbeat, QueuedTask

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
    """The index's part: reachable, and (from the same request) whether its name was taken by another index.

    `conflict` and `error` appear only when there is one, as `error` always did.
    """
    result: dict = {"ok": True, "backend": settings.SEARCH_BACKEND, "reachable": True}
    try:
        get_index().ping(timeout=INDEX_TIMEOUT_S)
    except IndexConflict:
        # It answers, but searches would find nothing: an index that is not Reunite's holds the name.
        name = settings.ELASTICSEARCH_INDEX
        message = f"An index (not an alias) named {name!r} holds the index's name, so searches find nothing: "
        result.update(ok=False, conflict=True, error=sanitise(message + "run manage.py search_index --adopt."))
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


def _age_seconds(moment) -> float | None:
    return None if moment is None else round((timezone.now() - moment).total_seconds(), 1)


def check_worker(database_ok: bool) -> dict:
    """The newest heartbeat and the oldest change still waiting: degraded when either is too old."""
    if not database_ok:
        return {"ok": False, "heartbeat_age_s": None, "oldest_pending_age_s": None}
    try:
        beat = Heartbeat.latest()
        waiting = [
            PendingIndexUpdate.objects.aggregate(oldest=Min("created_at"))["oldest"],
            QueuedTask.objects.waiting().aggregate(oldest=Min("enqueued_at"))["oldest"],
        ]
    except Exception as exc:  # noqa: BLE001 - e.g. migrations not applied yet; reported, not raised
        return {"ok": False, "error": _error(exc)}
    oldest = min((moment for moment in waiting if moment is not None), default=None)
    heartbeat_age, pending_age = _age_seconds(beat.beat_at if beat else None), _age_seconds(oldest)
    stale = settings.WORKER_STALE_SECONDS
    behind = pending_age is not None and pending_age > stale
    silent = pending_age is not None and (heartbeat_age is None or heartbeat_age > stale)
    return {"ok": not (behind or silent), "heartbeat_age_s": heartbeat_age, "oldest_pending_age_s": pending_age}


def check_matching() -> dict:
    """Whether the match labels rest on measured thresholds; reported, not a fault."""
    limits = thresholds()
    return {
        "model": limits.model,
        "calibrated": limits.calibrated,
        "likely": limits.likely,
        "possible": limits.possible,
    }


@require_safe
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    database = check_database()
    index = check_index(database["ok"])
    model = check_model()
    worker = check_worker(database["ok"])
    if not database["ok"]:
        status, code = "down", 503
    elif model["state"] == "warming":
        # Ready for traffic only once this web process holds the model: a load balancer's
        # readiness check waits, and no request pays for the load.
        status, code = "warming", 503
    elif not (index["ok"] and model["ok"] and worker["ok"]):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    body = {
        "status": status,
        "database": database,
        "index": index,
        "model": model,
        "worker": worker,
        "matching": check_matching(),
    }
    return JsonResponse(body, status=code)
