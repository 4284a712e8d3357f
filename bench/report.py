"""The results as a table, and the goals checked against them."""

from __future__ import annotations


def _f(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def rows(results: dict) -> list[tuple[str, str, str]]:
    """(section, figure, value) rows, in reading order."""
    out: list[tuple[str, str, str]] = []
    emb = results.get("embedding")
    if emb:
        out.extend(_embedding_rows(emb))
    var = results.get("variants")
    if var:
        out.extend(_variant_rows(var))
    box = results.get("outbox")
    if box:
        for name, label in (("new_photo", "new photo (embed, renditions, index)"), ("edit", "edit (index only)")):
            b = box[name]
            out.append(
                (
                    "5 Worker",
                    f"commit -> applied, {label}",
                    f"p50 {_f(b['p50_ms'])} ms, p95 {_f(b['p95_ms'])} ms, max {_f(b['max_ms'])} ms (n={b['n']})",
                )
            )
    idx = results.get("embedded_index")
    if idx:
        for n, e in idx["sizes"].items():
            a = e["app_call"]
            out.append(
                (
                    "2 Search latency",
                    f"embedded, {int(n):,} photos (k=50, kinds filter)",
                    f"p50 {_f(a['p50_ms'])} ms, p95 {_f(a['p95_ms'])} ms (n={a['n']}); "
                    f"no filter p95 {_f(e['no_filter']['p95_ms'])} ms",
                )
            )
            for name, b in e.get("blas_threads", {}).items():
                out.append(
                    (
                        "2 Search latency",
                        f"  same, {name}, interleaved",
                        f"p50 {_f(b['p50_ms'])} ms, p95 {_f(b['p95_ms'])} ms (n={b['n']})",
                    )
                )
            if "steps_ms" in e:
                text = "; ".join(f"{name} {_f(ms, 2)} ms" for name, ms in e["steps_ms"].items())
                out.append(("2 Search latency", "  steps (medians)", text))
            if "float16_matrix" in e:
                h = e["float16_matrix"]
                out.append(
                    (
                        "2 Search latency",
                        f"embedded, {int(n):,} photos, float16 matrix",
                        f"p50 {_f(h['p50_ms'])} ms (n={h['n']}); recall@10 {h['recall_at_10']:.3f}",
                    )
                )
    es = results.get("elasticsearch")
    if es:
        for key, n in (("latency_small", min(es["sizes"])), ("latency_large", max(es["sizes"]))):
            if key in es:
                a = es[key]
                out.append(
                    (
                        "2 Search latency",
                        f"Elasticsearch hnsw, {n:,} photos (k=50, num_candidates 100)",
                        f"p50 {_f(a['p50_ms'])} ms, p95 {_f(a['p95_ms'])} ms (n={a['n']})",
                    )
                )
        if "latency_large_int8" in es:
            a = es["latency_large_int8"]
            out.append(
                (
                    "2 Search latency",
                    f"Elasticsearch int8_hnsw, {max(es['sizes']):,} photos",
                    f"p50 {_f(a['p50_ms'])} ms, p95 {_f(a['p95_ms'])} ms (n={a['n']})",
                )
            )
        if "million" in es:
            m = es["million"]["latency"]
            out.append(
                ("2 Search latency", "Elasticsearch, 1M photos", f"p50 {_f(m['p50_ms'])} ms, p95 {_f(m['p95_ms'])} ms")
            )
            out.append(
                (
                    "3 ES rebuild",
                    "1,000,000 photos",
                    f"{_f(es['million']['docs_per_s'], 0)} photos/s ({_f(es['million']['seconds'], 0)} s)",
                )
            )
        elif "1M" in es.get("skipped", {}):
            out.append(("2 Search latency", "Elasticsearch, 1M photos", f"skipped: {es['skipped']['1M']}"))
    req = results.get("request")
    if req:
        r = req["requests"]
        out.append(
            (
                "2 Photo-search request",
                f"POST find_owner, {req['populate']['photos']:,} photos, embedded",
                f"p50 {_f(r['p50_ms'], 0)} ms, p95 {_f(r['p95_ms'], 0)} ms (n={r['n']})",
            )
        )
        if "requests_torch_1_thread" in req:
            r1 = req["requests_torch_1_thread"]
            out.append(
                (
                    "2 Photo-search request",
                    f"  same, torch 1 thread (default {req['torch_threads']}), interleaved",
                    f"p50 {_f(r1['p50_ms'], 0)} ms, p95 {_f(r1['p95_ms'], 0)} ms (n={r1['n']})",
                )
            )
        for size, s in req["requests_by_size"].items():
            out.append(
                (
                    "2 Photo-search request",
                    f"  upload {size}",
                    f"p50 {_f(s['p50_ms'], 0)} ms, p95 {_f(s['p95_ms'], 0)} ms",
                )
            )
        out.append(
            ("2 Photo-search request", "first request (model + index load)", f"{_f(req['first_request_s'], 1)} s")
        )
        out.append(
            (
                "2 Photo-search request",
                "request after another process wrote (index reload)",
                f"{_f(req['request_after_reload_s'] * 1000, 0)} ms; "
                f"reload alone {_f(req['snapshot_reload_from_db_s'] * 1000, 0)} ms",
            )
        )
        if "snapshot_reload_documents_s" in req:
            out.append(
                (
                    "2 Photo-search request",
                    "  reload before: model instances -> IndexDocuments",
                    f"{_f(req['snapshot_reload_documents_s'] * 1000, 0)} ms "
                    f"(same arrays: {req['snapshot_reload_documents_identical']}"
                    + (
                        f", differing: {req['snapshot_reload_documents_differing']}"
                        if not req["snapshot_reload_documents_identical"]
                        else ""
                    )
                    + ")",
                )
            )
        for size, parts in req["components_ms"].items():
            text = "; ".join(f"{name} {_f(ms, 0)} ms" for name, ms in parts.items())
            out.append(("2 Photo-search request", f"  steps, {size}", text))
    conc = results.get("concurrency")
    if conc:
        out.extend(_concurrency_rows(conc))
    if es:
        for b in es.get("builds_large", []):
            out.append(
                (
                    "3 ES rebuild",
                    f"{b['docs']:,} photos, chunk size {b['chunk_size']}",
                    f"{_f(b['docs_per_s'], 0)} photos/s ({_f(b['seconds'], 0)} s, {b['segments_after']} segments; "
                    f"load avg {b['load_average_before'][0]} -> {b['load_average_after'][0]})",
                )
            )
        if "best_chunk_size" in es:
            out.append(
                ("3 ES rebuild", "best chunk size", f"{es['best_chunk_size']}: {_f(es['best_docs_per_s'], 0)} photos/s")
            )
        if "build_int8" in es:
            b = es["build_int8"]
            out.append(
                ("3 ES rebuild", f"int8_hnsw, chunk size {b['chunk_size']}", f"{_f(b['docs_per_s'], 0)} photos/s")
            )
        if "build_large_stdlib_json" in es:
            b = es["build_large_stdlib_json"]
            out.append(
                (
                    "3 ES rebuild",
                    f"stdlib-json client (before orjson), chunk {b['chunk_size']}",
                    f"{_f(b['docs_per_s'], 0)} photos/s",
                )
            )
        for name, us in es.get("serialisation", {}).get("us_per_doc", {}).items():
            out.append(("3 ES rebuild", f"client CPU per photo: {name}", f"{_f(us, 0)} us"))
        for oversample, r in es.get("recall_int8_rescore", {}).items():
            out.append(
                (
                    "4 ES recall@10",
                    f"int8_hnsw, num_candidates 100, query-time rescore oversample {oversample}"
                    + (" (rescoring off, as before)" if float(oversample) == 0 else " (what-if)"),
                    f"{r['recall_at_10']:.3f} (p50 {_f(r['p50_ms'])} ms, p95 {_f(r['p95_ms'])} ms)",
                )
            )
        for kind in ("recall_hnsw", "recall_int8_hnsw"):
            for nc, r in es.get(kind, {}).items():
                out.append(
                    (
                        "4 ES recall@10",
                        f"{kind.removeprefix('recall_')}, num_candidates {nc}"
                        + (
                            f" (mapping's rescore oversample {es.get('int8_mapping_oversample')})"
                            if kind == "recall_int8_hnsw"
                            else ""
                        ),
                        f"{r['recall_at_10']:.3f} (p50 {_f(r['p50_ms'])} ms, p95 {_f(r['p95_ms'])} ms)",
                    )
                )
        for step, reason in es.get("skipped", {}).items():
            if step != "1M":
                out.append(("3/4 ES", f"skipped: {step}", reason))
    if idx:
        for n, e in idx["sizes"].items():
            if "memory" in e:
                m = e["memory"]
                out.append(
                    (
                        "5 Embedded memory",
                        f"{int(n):,} photos",
                        f"snapshot {_f(m['snapshot_bytes_per_photo'], 0)} B/photo "
                        f"(matrix {_f(m['matrix_bytes_per_photo'], 0)}); "
                        f"RSS delta {_f(m['rss_delta_mb'], 0)} MB = {_f(m['rss_delta_bytes_per_photo'], 0)} B/photo",
                    )
                )
    return out


def _embedding_rows(emb: dict) -> list[tuple[str, str, str]]:
    out = []
    for precision, choice in emb.get("precision_choice", {}).items():
        out.append(("1 Embedding", f"EMBEDDING_PRECISION={precision}: the choice", choice))
    for p in emb["paths"].values():
        value = f"{_f(p['images_per_s'], 2)} images/s"
        if "ratio_vs_blog" in p:
            value += f" = {_f(p['ratio_vs_blog'], 2)}x blog"
        if "share_of_model_alone" in p:
            value += f", {p['share_of_model_alone']:.0%} of the model alone"
        value += f"; {emb['torch_threads']} torch thread(s), {p['precision']}"
        if p.get("shares_of_wall"):
            value += "; " + ", ".join(f"{part} {share:.0%}" for part, share in sorted(p["shares_of_wall"].items()))
        if "min_centred_cosine_vs_blog" in p:
            value += (
                f"; min cosine vs blog {p['min_cosine_vs_blog']:.4f} (centred {p['min_centred_cosine_vs_blog']:.4f})"
            )
        out.append(("1 Embedding", p["label"], value))
    for m in emb.get("memory", {}).values():
        out.append(
            (
                "1 Embedding memory",
                m["label"],
                f"peak RSS {_f(m['peak_rss_mb'], 0)} MB (after model load {_f(m['rss_after_model_load_mb'], 0)} MB)",
            )
        )
    return out


def _variant_rows(var: dict) -> list[tuple[str, str, str]]:
    out = []
    peaks = ", ".join(f"{name} {_f(gflops, 0)}" for name, gflops in var.get("peak_gflops", {}).items())
    out.append(("1 Embedding variants", f"matmul peak, {var.get('torch_threads')} thread(s)", f"{peaks} GFLOP/s"))
    for name, v in var["variants"].items():
        value = (
            f"{_f(v['images_per_s_best'], 1)} images/s model only = {_f(v['speedup_vs_pytorch_fp32'], 2)}x; "
            f"{_f(v['gflops'], 0)} GFLOP/s = {v['share_of_peak']:.0%} of the {v['peak']} peak; "
            f"min cosine {v['min_cosine']:.4f} (centred {v['min_centred_cosine']:.4f})"
        )
        if "usable" in v:
            value += "; usable" if v["usable"] else "; NOT usable"
        if name in var.get("compile_s", {}):
            value += f"; compiled in {var['compile_s'][name]:.0f} s"
        out.append(("1 Embedding variants", name, value))
    for name, reason in var.get("skipped", {}).items():
        out.append(("1 Embedding variants", name, f"skipped: {reason}"))
    return out


def _latencies(r: dict) -> str:
    if not r.get("n"):
        return f"no request succeeded; errors {r['errors']}: {r.get('error_examples')}"
    return (
        f"{_f(r['requests_per_s'], 2)}/s, p50 {_f(r['p50_ms'], 0)} ms, p95 {_f(r['p95_ms'], 0)} ms, "
        f"max {_f(r['max_ms'], 0)} ms, errors {r['errors']}"
    )


def _concurrency_rows(conc: dict) -> list[tuple[str, str, str]]:
    section = "2 Under gunicorn"
    out = []
    for key, label in (("startup_warm_start_off", "warm start off (before)"), ("startup", "warm start (now)")):
        if key in conc:
            s = conc[key]
            out.append(
                (
                    section,
                    f"start-up, {label}: bursts of 8 searches from the first ok /health/",
                    f"ready after {_f(s['ready_s'], 1)} s ({' -> '.join(s['health_states'])}), every worker's "
                    f"model after {_f(s['every_worker_loaded_s'], 1)} s; "
                    f"searches: {_latencies(s['first_requests']['search'])}",
                )
            )
    for key, level in conc.get("levels", {}).items():
        kind, clients = key.split()
        label = f"{clients} client(s), {'searches + 1 in 4 registering' if kind == 'mixed' else 'staff searches'}"
        value = f"searches {_latencies(level['search'])}"
        if "register" in level:
            value += f"; registrations {_latencies(level['register'])}"
        value += (
            f"; server CPU {level['server_cpu_share']:.0%} of {conc['nproc']} cores (machine busy "
            f"{level['machine_busy_share']:.0%}); "
            f"load avg {level['load_average'][0][0]} -> {level['load_average'][1][0]}"
        )
        out.append((section, label, value))
    if "restart" in conc:
        r = conc["restart"]
        out.append(
            (
                section,
                f"a worker restarted at {_f(r['restarted_at_s'], 0)} s, {r['clients']} clients searching",
                f"searches {_latencies(r['search'])}; the replacement held the model "
                f"{_f(r['replacement_ready_after_s'], 1)} s after the restart and took requests only then",
            )
        )
    return out


def _concurrency_goals(conc: dict | None) -> list[dict]:
    goal = "8 concurrent staff searches: p95 < 2 s, server CPU >= 90%, no errors"
    level = (conc or {}).get("levels", {}).get("search 8")
    if not level:
        return [{"goal": goal, "status": "not measured", "reason": "no 8-client run"}]
    search = level["search"]
    met = search.get("p95_ms", 1e9) < 2000 and level["server_cpu_share"] >= 0.9 and not search["errors"]
    out = [
        {
            "goal": goal,
            "status": "met" if met else "not met",
            "reason": f"p95 {search.get('p95_ms', 0):.0f} ms, server CPU {level['server_cpu_share']:.0%}, "
            f"errors {search['errors']} (machine busy {level['machine_busy_share']:.0%})",
        }
    ]
    runs = [*conc["levels"].values(), conc.get("restart", {})]
    slowest = max((r["search"].get("max_ms", 0) for r in runs if "search" in r), default=0)
    errors = sum(r["search"].get("errors", 0) for r in runs if "search" in r)
    out.append(
        {
            "goal": "no search slower than 3 s after start-up (every level, and a worker restart)",
            # A failed search is not a fast one: any error and the goal is not met.
            "status": "met" if slowest < 3000 and not errors else "not met",
            "reason": f"slowest {slowest:.0f} ms, errors {errors}",
        }
    )
    return out


def format_table(table: list[tuple[str, str, str]]) -> str:
    w0 = max(len(r[0]) for r in table)
    w1 = max(len(r[1]) for r in table)
    lines = [f"{'Section':<{w0}}  {'Figure':<{w1}}  Value", f"{'-' * w0}  {'-' * w1}  {'-' * 5}"]
    lines += [f"{a:<{w0}}  {b:<{w1}}  {c}" for a, b, c in table]
    return "\n".join(lines)


def goals(results: dict, full_size: bool) -> list[dict]:
    """Each goal with met / not met / not measured, and why."""
    out = []

    def add(goal: str, status: str, reason: str) -> None:
        out.append({"goal": goal, "status": status, "reason": reason})

    box = results.get("outbox")
    if box:
        worst = max(box["new_photo"]["p95_ms"], box["edit"]["p95_ms"])
        add(
            "a change applied within 2 s of its commit (p95)",
            "met" if worst <= 2000 else "not met",
            f"new photo p95 {box['new_photo']['p95_ms']:.0f} ms, edit p95 {box['edit']['p95_ms']:.0f} ms",
        )
    emb = results.get("embedding", {}).get("paths", {})
    for name in ("sync", "sync-float32", "upload", "upload-float32", "import", "import-float32"):
        if name in emb and "ratio_vs_blog" in emb[name]:
            ratio = emb[name]["ratio_vs_blog"]
            add(
                f"embedding >= 3x the blog's way ({name}, {emb[name]['precision']})",
                "met" if ratio >= 3 else "not met",
                f"{ratio:.2f}x (median of per-round ratios; {emb[name]['images_per_s']:.2f} vs "
                f"{emb['blog']['images_per_s']:.2f} images/s overall)",
            )
        if name in emb and "share_of_model_alone" in emb[name]:
            share = emb[name]["share_of_model_alone"]
            add(
                f"{name} >= 60% of the model alone",
                "met" if share >= 0.6 else "not met",
                f"{share:.0%} of {emb[name]['model_path']} (median of per-round ratios)",
            )
    reunite = results.get("variants", {}).get("variants", {}).get("reunite-float32")
    if reunite:
        add(
            "float32 model >= 75% of the float32 matmul peak",
            "met" if reunite["share_of_peak"] >= 0.75 else "not met",
            f"{reunite['share_of_peak']:.0%} ({reunite['gflops']:.0f} GFLOP/s, reunite-float32)",
        )
    idx = results.get("embedded_index", {}).get("sizes", {})
    if "100000" in idx:
        p95 = idx["100000"]["app_call"]["p95_ms"]
        add("embedded search p95 < 50 ms at 100k", "met" if p95 < 50 else "not met", f"p95 {p95:.1f} ms")
    else:
        add("embedded search p95 < 50 ms at 100k", "not measured", "100k not in this run's sizes")
    es = results.get("elasticsearch", {})
    rec = es.get("recall_hnsw", {}).get("100")
    if rec and max(es.get("sizes", [0])) >= 100_000:
        add(
            "ES recall@10 >= 0.95 at num_candidates 100 (hnsw)",
            "met" if rec["recall_at_10"] >= 0.95 else "not met",
            f"recall@10 {rec['recall_at_10']:.3f} at {max(es['sizes']):,} photos",
        )
    else:
        add("ES recall@10 >= 0.95 at num_candidates 100 (hnsw)", "not measured", "no 100k hnsw recall in this run")
    out.extend(_concurrency_goals(results.get("concurrency")))
    req = results.get("request")
    if req and req["populate"]["photos"] >= 10_000:
        p95 = req["requests"]["p95_ms"]
        add("photo-search request p95 < 1 s at 10k", "met" if p95 < 1000 else "not met", f"p95 {p95:.0f} ms")
    else:
        add("photo-search request p95 < 1 s at 10k", "not measured", "no 10k request run")
    if not full_size:
        for goal in out:
            goal["reason"] += " (quick sizes: not the goal's conditions)"
    return out
