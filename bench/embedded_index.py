"""The embedded backend alone: search latency at 10k and 100k photos, and memory per photo.

The in-memory `_Snapshot` is built directly from synthetic `IndexDocument`s
(no database rows), then handed to a fresh `EmbeddedIndex` whose generation is
set to the database's current one, so `search()` runs exactly as in a web
process: one generation query to SQLite, the matrix product, the filter mask,
the partial sort. The call is the one `find_matching_dogs_by_vector` makes:
k = SEARCH_RESULTS x SEARCH_PHOTOS_PER_DOG = 50, filter kinds=("registered",).
"""

from __future__ import annotations

import gc
import sys
import time

import numpy as np

from .runtime import MODEL_NAME, latency_summary, rss_mb
from .vectors import ClusteredSpace, exact_top_k

BREEDS = ["Labrador", "Beagle", "Poodle", "Collie", "Boxer", "Pug", "Husky", "Dachshund", "Mixed", ""]


def documents(vectors: np.ndarray, start_id: int = 1):
    """Synthetic documents whose strings are separate objects, as rows read from a database are."""
    from search.backends.base import IndexDocument

    for i, vector in enumerate(vectors):
        yield IndexDocument(
            photo_id=start_id + i,
            dog_id=(start_id + i + 1) // 2,
            vector=vector,
            model=MODEL_NAME,
            breed=BREEDS[i % len(BREEDS)].encode().decode(),
            image_path=f"dogs/photos/{i:032x}.jpg",
            kind=b"registered".decode(),
            version=1,
        )


def index_with(snapshot):
    from search.backends.embedded import EmbeddedIndex
    from search.index import DatabaseSource
    from search.models import IndexGeneration

    index = EmbeddedIndex(DatabaseSource())
    index._snapshots[snapshot.model] = snapshot
    index._generation = IndexGeneration.current()
    return index


def time_searches(index, queries: np.ndarray, k: int, filters, warmup: int = 5) -> tuple[dict, list[list[int]]]:
    for query in queries[:warmup]:
        index.search(query, k=k, model=MODEL_NAME, filters=filters)
    seconds, found = [], []
    for query in queries:
        start = time.perf_counter()
        matches = index.search(query, k=k, model=MODEL_NAME, filters=filters)
        seconds.append(time.perf_counter() - start)
        found.append([m.photo_id for m in matches])
    return latency_summary(seconds), found


def blas_threads(index, queries: np.ndarray, filters) -> dict:
    """The app call with numpy's BLAS at its default thread count and at 1, query by query in turn."""
    from threadpoolctl import ThreadpoolController

    controller = ThreadpoolController()
    default = max((p["num_threads"] for p in controller.info() if p["user_api"] == "blas"), default=0)
    seconds: dict[str, list[float]] = {f"blas {default} threads (default)": [], "blas 1 thread": []}
    for query in queries:
        for name in seconds:
            limit = 1 if name == "blas 1 thread" else default
            with controller.limit(limits=limit, user_api="blas"):
                start = time.perf_counter()
                index.search(query, k=50, model=MODEL_NAME, filters=filters)
                seconds[name].append(time.perf_counter() - start)
    return {name: latency_summary(v) for name, v in seconds.items()}


def steps(snapshot, queries: np.ndarray, filters) -> dict:
    """Median time of each step of EmbeddedIndex.search, called one by one."""
    from search.backends.embedded import _filter_mask
    from search.models import IndexGeneration

    parts: dict[str, list[float]] = {}

    def clock(name, call):
        start = time.perf_counter()
        value = call()
        parts.setdefault(name, []).append(time.perf_counter() - start)
        return value

    for query in queries:
        clock("generation query (database)", IndexGeneration.current)
        scores = clock("matrix @ query", lambda q=query: np.clip(snapshot.matrix @ q, -1.0, 1.0))
        mask = clock("filter mask (kinds)", lambda: _filter_mask(snapshot, filters))
        scores = clock("np.where(mask)", lambda s=scores, m=mask: np.where(m, s, -np.inf))
        clock("top 50 (argpartition + argsort)", lambda s=scores: np.argsort(-s[np.argpartition(-s, 49)[:50]]))
    return {name: float(np.median(v) * 1000) for name, v in parts.items()}


def snapshot_bytes(snapshot) -> dict:
    from search.backends.embedded import _ARRAYS

    arrays = {name: getattr(snapshot, name).nbytes for name in _ARRAYS}
    # Object arrays hold pointers; the strings they point to count too.
    strings = 0
    for name in ("breeds", "kinds"):
        seen = {id(value): sys.getsizeof(value) for value in getattr(snapshot, name)}
        strings += sum(seen.values())
    return {"arrays": arrays, "strings": strings, "total": sum(arrays.values()) + strings}


def benchmark(*, sizes: list[int], queries: int, space: ClusteredSpace, fp16_queries: int, log) -> dict:
    from search.backends.base import SearchFilters
    from search.backends.embedded import _Snapshot

    app_filters = SearchFilters(kinds=("registered",))
    query_vectors = space.queries(queries)
    out: dict = {"method": "_Snapshot.from_documents on synthetic documents (no database rows)", "sizes": {}}
    for n in sizes:
        vectors = space.points(n)
        gc.collect()
        rss_before = rss_mb()
        start = time.perf_counter()
        snapshot = _Snapshot.from_documents(MODEL_NAME, list(documents(vectors)))
        build_s = time.perf_counter() - start
        gc.collect()
        rss_after = rss_mb()
        index = index_with(snapshot)
        entry: dict = {"snapshot_build_s": build_s}
        entry["app_call"], found = time_searches(index, query_vectors, 50, app_filters)
        exact = exact_top_k(vectors, query_vectors, 10) + 1  # photo ids start at 1
        entry["recall_at_10_app_call"] = float(
            np.mean([len(set(f[:10]) & set(e)) / 10 for f, e in zip(found, exact, strict=True)])
        )
        entry["no_filter"], _ = time_searches(index, query_vectors[: max(50, queries // 2)], 50, None)
        entry["steps_ms"] = steps(snapshot, query_vectors[:100], app_filters)
        entry["blas_threads"] = blas_threads(index, query_vectors[:100], app_filters)
        log(
            f"  embedded {n:,}: p50 {entry['app_call']['p50_ms']:.1f} ms, p95 {entry['app_call']['p95_ms']:.1f} ms "
            f"(no filter p95 {entry['no_filter']['p95_ms']:.1f} ms)"
        )
        if n == max(sizes):
            sizes_ = snapshot_bytes(snapshot)
            entry["memory"] = {
                "snapshot_bytes_per_photo": sizes_["total"] / n,
                "matrix_bytes_per_photo": sizes_["arrays"]["matrix"] / n,
                "snapshot_bytes": sizes_,
                "rss_delta_mb": rss_after - rss_before,
                "rss_delta_bytes_per_photo": (rss_after - rss_before) * 1024 * 1024 / n,
            }
            if fp16_queries:
                half = _Snapshot(**{**snapshot.__dict__, "matrix": snapshot.matrix.astype(np.float16)})
                half_index = index_with(half)
                entry["float16_matrix"], half_found = time_searches(
                    half_index, query_vectors[:fp16_queries], 50, app_filters, warmup=1
                )
                entry["float16_matrix"]["recall_at_10"] = float(
                    np.mean([len(set(f[:10]) & set(e)) / 10 for f, e in zip(half_found, exact, strict=False)])
                )
                entry["float16_matrix"]["matrix_bytes_per_photo"] = half.matrix.nbytes / n
                log(f"  embedded {n:,} float16 matrix: p50 {entry['float16_matrix']['p50_ms']:.1f} ms")
                del half, half_index
        out["sizes"][str(n)] = entry
        del snapshot, index, vectors
        gc.collect()
    return out
