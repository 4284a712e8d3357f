"""Elasticsearch: rebuild throughput, search latency and recall@10 against exact search.

A real single-node Elasticsearch 9 (tests/support/elasticsearch_server.py) runs on
this machine with a bigger heap than the tests use. Everything goes through
Reunite's own `ElasticsearchIndex` (rebuild, search) with settings overridden per
step, on the synthetic clustered vectors of bench.vectors.

* Rebuild: `ElasticsearchIndex.rebuild()` of 100k documents at one
  ELASTICSEARCH_BULK_CHUNK_SIZE after another, starting at the default (500),
  doubling while throughput rises, halving once if the first doubling did not help.
  The Python side (documents, JSON) shares the machine with the server, as
  `manage.py search_index --rebuild` does.
* Latency: the call `find_matching_dogs_by_vector` makes (k=50, kinds filter,
  default num_candidates), after background merges have settled.
* Recall@10: k=10 at several num_candidates, against numpy brute force, for
  `hnsw` (the default) and `int8_hnsw` (ELASTICSEARCH_VECTOR_INDEX_TYPE).

Steps after the first 100k build are skipped, with the reason printed, when the
run's time budget would not hold them.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

from .embedded_index import documents
from .runtime import MODEL_NAME, Budget, latency_summary, load_average, mem_available_gib
from .vectors import ClusteredSpace, exact_top_k

BYTES_PER_VECTOR = 512 * 4
HNSW_GRAPH_BYTES = 32 * 4  # about 2m neighbour ids (m=16) per vector on the bottom layer


def estimate_1m(heap_gib: float, rate_docs_s: float | None) -> dict:
    vectors_gib = 1_000_000 * BYTES_PER_VECTOR / 2**30
    graph_gib = 1_000_000 * HNSW_GRAPH_BYTES / 2**30
    need = heap_gib + vectors_gib + graph_gib
    estimate = {
        "page_cache_gib": round(vectors_gib + graph_gib, 2),
        "heap_gib": heap_gib,
        "total_gib": round(need, 2),
        "mem_available_gib": round(mem_available_gib(), 2),
    }
    if rate_docs_s:
        # A lower bound: HNSW insertion gets slower as the graph grows.
        estimate["build_s_at_least"] = round(1_000_000 / rate_docs_s)
    return estimate


class Run:
    def __init__(self, *, log) -> None:
        from search.backends.elasticsearch import make_client

        self.client = make_client()
        self.log = log

    def index(self, alias: str, client=None):
        from search.backends.elasticsearch import ElasticsearchIndex

        return ElasticsearchIndex(client=client or self.client, alias=alias)

    def settle(self, limit_s: float = 90) -> float:
        """Wait for background merges to finish (bounded); returns the seconds waited."""
        start = time.monotonic()
        while time.monotonic() - start < limit_s:
            stats = self.client.nodes.stats(metric="indices", index_metric="merge")
            if all(node["indices"]["merges"]["current"] == 0 for node in stats["nodes"].values()):
                break
            time.sleep(1)
        return time.monotonic() - start

    def build(self, alias: str, vectors: np.ndarray, chunk: int, index_type: str = "hnsw", client=None) -> dict:
        from django.test import override_settings

        waited = self.settle()
        load_before = load_average()
        with override_settings(ELASTICSEARCH_BULK_CHUNK_SIZE=chunk, ELASTICSEARCH_VECTOR_INDEX_TYPE=index_type):
            start = time.perf_counter()
            count = self.index(alias, client).rebuild(documents(vectors), vectors.shape[1], total=len(vectors))
            seconds = time.perf_counter() - start
        segments = len(self.client.cat.segments(index=alias, format="json"))
        result = {
            "docs": count,
            "chunk_size": chunk,
            "index_type": index_type,
            "seconds": seconds,
            "docs_per_s": count / seconds,
            "segments_after": segments,
            "settle_before_s": waited,
            # The machine is shared: the 1-minute load average around the build, for judging it.
            "load_average_before": load_before,
            "load_average_after": load_average(),
        }
        self.log(
            f"  es rebuild {count:,} {index_type} chunk {chunk}: {seconds:.0f} s, {count / seconds:.0f} photos/s "
            f"({segments} segments)"
        )
        return result

    def latency(self, alias: str, queries: np.ndarray, k: int = 50, warmup: int = 20) -> tuple[dict, list[list[int]]]:
        from search.backends.base import SearchFilters

        from .embedded_index import time_searches

        return time_searches(self.index(alias), queries, k, SearchFilters(kinds=("registered",)), warmup=warmup)

    def recall(self, alias: str, queries: np.ndarray, exact: np.ndarray, num_candidates: list[int]) -> dict:
        from django.test import override_settings

        out = {}
        for nc in num_candidates:
            with override_settings(ELASTICSEARCH_NUM_CANDIDATES=nc):
                summary, found = self.latency(alias, queries, k=10, warmup=5)
            summary["recall_at_10"] = recall_at_10(found, exact)
            out[str(nc)] = summary
            self.log(
                f"  es {alias} num_candidates {nc}: recall@10 {summary['recall_at_10']:.3f}, "
                f"p50 {summary['p50_ms']:.1f} ms"
            )
        return out

    def rescored_recall(self, alias: str, queries: np.ndarray, exact: np.ndarray, oversample: float) -> dict:
        for query in queries[:5]:
            _rescored_search(self.client, alias, query, oversample)
        seconds, found = [], []
        for query in queries:
            start = time.perf_counter()
            found.append(_rescored_search(self.client, alias, query, oversample))
            seconds.append(time.perf_counter() - start)
        summary = latency_summary(seconds)
        summary["recall_at_10"] = recall_at_10(found, exact)
        self.log(f"  es {alias} rescore_vector oversample {oversample}: recall@10 {summary['recall_at_10']:.3f}")
        return summary


def _rescored_search(client, alias: str, vector: np.ndarray, oversample: float) -> list[int]:
    """Reunite's kNN query (k=10, num_candidates 100, same filter) with a query-time `rescore_vector`.

    The query's oversample overrides the mapping's (ELASTICSEARCH_RESCORE_OVERSAMPLE); 0 turns
    rescoring off, which is how int8_hnsw searched before the mapping rescored.
    """
    from elasticsearch.dsl import Q

    from search.backends.base import SearchFilters
    from search.backends.elasticsearch import _filters

    knn = {
        "field": "image_embedding",
        "k": 10,
        "num_candidates": 100,
        "query_vector": np.asarray(vector, dtype=np.float32).tolist(),
        "filter": Q("bool", filter=_filters(SearchFilters(kinds=("registered",)), MODEL_NAME)).to_dict(),
        "rescore_vector": {"oversample": oversample},
    }
    response = client.search(index=alias, knn=knn, size=10, source=["dog_id"])
    return [int(hit["_id"]) for hit in response["hits"]["hits"]]


def recall_at_10(found: list[list[int]], exact: np.ndarray) -> float:
    return float(np.mean([len(set(f[:10]) & set(e[:10])) / 10 for f, e in zip(found, exact, strict=True)]))


def serialisation_cost(vectors: np.ndarray) -> dict:
    """Client-side cost per document of turning an IndexDocument into bulk JSON."""
    from elasticsearch import serializer as es_serializer

    from search.backends.elasticsearch import ElasticsearchIndex

    actions = list(ElasticsearchIndex(client=object(), alias="x")._actions(documents(vectors), "x"))
    out = {}
    candidates = {
        "stdlib json (before)": es_serializer.JsonSerializer(),
        "orjson (Reunite's client)": es_serializer.OrjsonSerializer(),
    }
    for name, ser in candidates.items():
        start = time.perf_counter()
        for action in actions:
            ser.dumps(action["_source"])
        out[name] = (time.perf_counter() - start) / len(actions) * 1e6
    start = time.perf_counter()
    list(ElasticsearchIndex(client=object(), alias="x")._actions(documents(vectors), "x"))
    out["document + action building"] = (time.perf_counter() - start) / len(vectors) * 1e6
    return {"us_per_doc": out, "docs": len(vectors)}


def _chunk_sweep_next(results: dict[int, float], ladder: list[int], start: int) -> int | None:
    """Doubling from the default while throughput rises; halve once if the first doubling did not help."""
    tried = sorted(results)
    best = max(results, key=results.get)
    up = [c for c in ladder if c > max(tried)]
    if best == max(tried) and up:
        return up[0]
    down = [c for c in ladder if c < min(tried)]
    if best == start and min(tried) == start and down:
        return down[-1]
    return None


def benchmark(
    *,
    space: ClusteredSpace,
    sizes: list[int],
    queries: int,
    num_candidates: list[int],
    heap: str,
    budget: Budget,
    try_1m: bool,
    stdlib_json_rebuild: bool,
    log,
) -> dict:
    from django.conf import settings
    from django.test import override_settings

    from tests.support.elasticsearch_server import ElasticsearchServer, es_version

    heap_gib = float(heap.rstrip("gG")) if heap.lower().endswith("g") else float(heap.rstrip("mM")) / 1024
    small, large = min(sizes), max(sizes)
    out: dict = {"sizes": sizes, "heap": heap, "server_version": es_version(), "skipped": {}}
    out["estimate_1m_before"] = estimate_1m(heap_gib, None)
    log(f"  es 1M memory estimate: {json.dumps(out['estimate_1m_before'])}")
    ladder = [125, 250, 500, 1000, 2000, 4000, 8000]
    default_chunk = settings.ELASTICSEARCH_BULK_CHUNK_SIZE

    vectors = space.points(large)
    query_vectors = space.queries(queries)
    exact = {n: exact_top_k(vectors[:n], query_vectors, 10) + 1 for n in (small, large)}  # photo ids start at 1
    out["serialisation"] = serialisation_cost(vectors[:2000])

    server = ElasticsearchServer(java_opts=f"-Xms{heap} -Xmx{heap}")
    started = time.monotonic()
    server.start()
    out["server_start_s"] = time.monotonic() - started
    log(f"  es server {out['server_version']} up in {out['server_start_s']:.0f} s at {server.url}")
    try:
        with override_settings(ELASTICSEARCH_URL=server.url, ELASTICSEARCH_TIMEOUT=120.0):
            run = Run(log=log)
            # Small index: latency at the small size.
            out["build_small"] = run.build("bench-small", vectors[:small], default_chunk)
            run.settle()
            out["latency_small"], found = run.latency("bench-small", query_vectors)
            out["latency_small"]["recall_at_10_of_app_call"] = recall_at_10(found, exact[small])
            log(
                f"  es {small:,}: p50 {out['latency_small']['p50_ms']:.1f} ms, "
                f"p95 {out['latency_small']['p95_ms']:.1f} ms"
            )
            run.client.indices.delete(index="bench-small-*")

            # Large index at the default chunk size: then latency and recall (hnsw).
            sweep: dict[int, float] = {}
            builds = [run.build("bench-large", vectors, default_chunk)]
            sweep[default_chunk] = builds[-1]["docs_per_s"]
            out["settle_large_s"] = run.settle(limit_s=180)
            out["latency_large"], found = run.latency("bench-large", query_vectors)
            out["latency_large"]["recall_at_10_of_app_call"] = recall_at_10(found, exact[large])
            out["segments_large"] = len(run.client.cat.segments(index="bench-large", format="json"))
            log(
                f"  es {large:,}: p50 {out['latency_large']['p50_ms']:.1f} ms, "
                f"p95 {out['latency_large']['p95_ms']:.1f} ms"
            )
            out["recall_hnsw"] = run.recall("bench-large", query_vectors, exact[large], num_candidates)
            build_s = builds[-1]["seconds"]
            recall_s = sum(r["mean_ms"] * r["n"] for r in out["recall_hnsw"].values()) / 1000

            def affordable(step: str, seconds: float) -> bool:
                if budget.allows(seconds + 30):
                    return True
                if step in out["skipped"]:
                    return False
                out["skipped"][step] = (
                    f"needs about {seconds:.0f} s (from the measured {large:,} build), "
                    f"{budget.left():.0f} s of the time budget left"
                )
                log(f"  es: skipping {step}: {out['skipped'][step]}")
                return False

            # One doubling first, then int8_hnsw, then the rest of the sweep.
            next_chunk = _chunk_sweep_next(sweep, ladder, default_chunk)
            if next_chunk and affordable(f"rebuild at chunk size {next_chunk}", build_s):
                builds.append(run.build("bench-large", vectors, next_chunk))
                sweep[next_chunk] = builds[-1]["docs_per_s"]
                next_chunk = _chunk_sweep_next(sweep, ladder, default_chunk)
            best_chunk = max(sweep, key=sweep.get)
            if affordable("int8_hnsw build and recall", build_s + recall_s):
                from django.conf import settings

                out["build_int8"] = run.build("bench-int8", vectors, best_chunk, index_type="int8_hnsw")
                out["int8_mapping_oversample"] = settings.ELASTICSEARCH_RESCORE_OVERSAMPLE
                run.settle(limit_s=180)
                out["latency_large_int8"], _ = run.latency("bench-int8", query_vectors)
                out["recall_int8_hnsw"] = run.recall("bench-int8", query_vectors, exact[large], num_candidates)
                out["recall_int8_rescore"] = {
                    str(o): run.rescored_recall("bench-int8", query_vectors, exact[large], o) for o in (0.0, 3.0)
                }
                run.client.indices.delete(index="bench-int8-*")
            while next_chunk and affordable(f"rebuild at chunk size {next_chunk}", build_s):
                builds.append(run.build("bench-large", vectors, next_chunk))
                sweep[next_chunk] = builds[-1]["docs_per_s"]
                next_chunk = _chunk_sweep_next(sweep, ladder, default_chunk)
            out["builds_large"] = builds
            out["best_chunk_size"] = max(sweep, key=sweep.get)
            out["best_docs_per_s"] = max(sweep.values())
            if stdlib_json_rebuild and affordable("rebuild with a stdlib-json client (before orjson)", build_s):
                from elasticsearch import Elasticsearch

                # The client as it was before orjson: the stdlib serializer, all else the same.
                before = Elasticsearch(server.url, request_timeout=120)
                out["build_large_stdlib_json"] = run.build(
                    "bench-large", vectors, out["best_chunk_size"], client=before
                )
            run.client.indices.delete(index="bench-large-*")

            out["estimate_1m"] = estimate_1m(heap_gib, out["best_docs_per_s"])
            est = out["estimate_1m"]
            if not try_1m:
                out["skipped"]["1M"] = "--skip-es-1m"
            elif est["total_gib"] > est["mem_available_gib"] - 2:
                out["skipped"]["1M"] = f"memory: needs {est['total_gib']} GiB, {est['mem_available_gib']} GiB available"
            elif not budget.allows(est["build_s_at_least"] * 1.3 + 120):
                out["skipped"]["1M"] = (
                    f"time: the build alone needs at least {est['build_s_at_least']} s at the measured "
                    f"{out['best_docs_per_s']:.0f} photos/s, {budget.left():.0f} s of the time budget left "
                    f"(memory would fit: {est['total_gib']} GiB of {est['mem_available_gib']} GiB available); "
                    "run with --only elasticsearch --budget-minutes 60"
                )
            else:
                out["million"] = million(run, space, query_vectors, out["best_chunk_size"], log)
            if "1M" in out["skipped"]:
                log(f"  es: skipping 1M: {out['skipped']['1M']}")
    finally:
        server.close()
    return out


def million(run: Run, space: ClusteredSpace, queries: np.ndarray, chunk: int, log, n: int = 1_000_000) -> dict:
    from django.test import override_settings

    from search.backends.elasticsearch import ElasticsearchIndex

    def stream():
        start = 1
        for block in space.chunks(n):
            yield from documents(block, start_id=start)
            start += len(block)

    run.settle()
    with override_settings(ELASTICSEARCH_BULK_CHUNK_SIZE=chunk):
        began = time.perf_counter()
        count = ElasticsearchIndex(client=run.client, alias="bench-1m").rebuild(stream(), space.dimension, total=n)
        seconds = time.perf_counter() - began
    run.settle(limit_s=300)
    summary, _ = run.latency("bench-1m", queries)
    run.client.indices.delete(index="bench-1m-*")
    log(f"  es {n:,}: {count / seconds:.0f} photos/s, p50 {summary['p50_ms']:.1f} ms, p95 {summary['p95_ms']:.1f} ms")
    return {"docs": count, "seconds": seconds, "docs_per_s": count / seconds, "latency": summary}


if __name__ == "__main__":
    sys.exit("Run the whole benchmark: python -m bench")
