"""python -m bench: see bench/__init__.py for what it measures and how to run it."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .runtime import CACHE, REPO_ROOT, Budget, django_environment, load_average, quiet_libraries, setup_django

SECTIONS = ("embedding", "variants", "embedded_index", "request", "concurrency", "outbox", "elasticsearch")


@dataclass
class Sizes:
    photos_per_size: int = 12
    photo_sizes: list[tuple[int, int]] = field(default_factory=lambda: [(3000, 4000), (1600, 1200)])
    embedding_rounds: int = 4
    # A whole stream per round: the sync and import paths overlap decoding only across batches (16).
    embedding_block: int = 24
    embedding_paths: list[str] = field(
        default_factory=lambda: [
            "blog",
            "before",
            "model",
            "model-float32",
            "sync",
            "sync-float32",
            "sync-serial",
            "upload",
            "upload-float32",
            "import",
            "import-float32",
        ]
    )
    embedding_memory_paths: list[str] = field(default_factory=lambda: ["blog", "sync", "upload", "import"])
    variant_batch: int = 16
    variant_rounds: int = 3
    index_sizes: list[int] = field(default_factory=lambda: [10_000, 100_000])
    queries: int = 250
    fp16_queries: int = 20
    request_photos: int = 10_000
    requests: int = 30  # per torch thread setting (default and 1), interleaved
    component_reps: int = 3
    concurrency_levels: list[int] = field(default_factory=lambda: [1, 4, 8, 16])
    concurrency_seconds: float = 20.0
    concurrency_photos: int = 10_000
    outbox_changes: int = 40  # each a new photo and an edit
    es_sizes: list[int] = field(default_factory=lambda: [10_000, 100_000])
    num_candidates: list[int] = field(default_factory=lambda: [50, 100, 200, 500])
    es_heap: str = "2g"
    budget_minutes: float = 24.0


QUICK = Sizes(
    photos_per_size=2,
    embedding_rounds=1,
    embedding_block=4,
    embedding_paths=["blog", "model", "sync", "upload", "import"],
    embedding_memory_paths=[],
    variant_rounds=1,
    variant_batch=8,
    index_sizes=[10_000, 20_000],
    queries=60,
    fp16_queries=0,
    request_photos=1_000,
    requests=6,
    component_reps=1,
    concurrency_levels=[1, 4],
    concurrency_seconds=4.0,
    concurrency_photos=1_000,
    outbox_changes=8,
    es_sizes=[2_000, 5_000],
    num_candidates=[50, 100],
    es_heap="1g",
    budget_minutes=3.0,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under 3 minutes")
    parser.add_argument("--json-out", type=Path, default=CACHE / "results.json")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--skip", nargs="+", choices=SECTIONS, default=[], help="leave these sections out")
    parser.add_argument(
        "--skip-es-1m", action="store_true", help="do not try Elasticsearch at 1M photos even if memory and time allow"
    )
    parser.add_argument(
        "--no-stdlib-json-rebuild",
        action="store_true",
        help="skip the extra rebuild with a stdlib-json client (the comparison for orjson)",
    )
    parser.add_argument("--budget-minutes", type=float, help="time budget; later optional steps are skipped to keep it")
    args = parser.parse_args(argv)

    # Optional, benchmark-only packages (onnxruntime, orjson) live here; appended, so the
    # project's own pins always win. Must precede the first import of elasticsearch.
    if (CACHE / "pylib").is_dir():
        sys.path.append(str(CACHE / "pylib"))
    sizes = QUICK if args.quick else Sizes()
    if args.budget_minutes:
        sizes.budget_minutes = args.budget_minutes
    sections = [s for s in (args.only or SECTIONS) if s not in args.skip]
    if args.quick and not args.only:
        sections = [s for s in sections if s != "variants"]
    budget = Budget(sizes.budget_minutes)
    began = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - began:6.0f}s] {message}", flush=True)

    quiet_libraries()
    from .clip_model import build_full_clip
    from .photos import photo_set
    from .vectors import ClusteredSpace

    CACHE.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="reunite-bench-"))
    results: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "sizes": asdict(sizes),
        "sections": sections,
        "load_average_start": load_average(),
        "errors": {},
    }
    try:
        log("building/loading the full-size random CLIP ViT-B/32 and the photos (cached in .cache/bench)")
        clip_folder = build_full_clip(CACHE / "clip-vit-b32-random")
        photos = photo_set(CACHE, sizes.photo_sizes, sizes.photos_per_size)
        env = django_environment(workdir, clip_folder)
        setup_django(env, create_tables=True)
        from .runtime import machine

        results["machine"] = machine()
        results["photos"] = photos.describe()
        space = ClusteredSpace()
        results["vectors"] = space.describe()
        log(f"photos: {results['photos']}")

        def section(name: str, run) -> None:
            if name not in sections:
                return
            log(f"== {name} (load average {load_average()})")
            started = time.monotonic()
            try:
                results[name] = run()
                results[name]["section_s"] = time.monotonic() - started
            except Exception as exc:  # noqa: BLE001 - one broken section must not lose the others
                results["errors"][name] = f"{type(exc).__name__}: {exc}"
                log(f"  {name} FAILED: {exc}")
                traceback.print_exc()

        from . import concurrency, embedded_index, embedding, es, outbox, request, variants

        section(
            "embedding",
            lambda: embedding.benchmark(
                env=env,
                clip_folder=clip_folder,
                photos=photos.paths,
                workdir=workdir,
                rounds=sizes.embedding_rounds,
                block=sizes.embedding_block,
                paths=sizes.embedding_paths,
                memory_paths=sizes.embedding_memory_paths,
                log=log,
            ),
        )
        section(
            "variants",
            lambda: variants.benchmark(
                env=env,
                clip_folder=clip_folder,
                photos=photos.paths,
                rounds=sizes.variant_rounds,
                batch=sizes.variant_batch,
                compile_model=not args.quick,
                log=log,
            ),
        )
        section(
            "embedded_index",
            lambda: embedded_index.benchmark(
                sizes=sizes.index_sizes, queries=sizes.queries, space=space, fp16_queries=sizes.fp16_queries, log=log
            ),
        )
        section(
            "request",
            lambda: request.benchmark(
                n_photos=sizes.request_photos,
                requests=sizes.requests,
                photos=photos.paths,
                space=space,
                component_reps=sizes.component_reps,
                log=log,
            ),
        )
        section(
            "concurrency",
            lambda: concurrency.benchmark(
                env=env,
                photos=photos.paths,
                workdir=workdir,
                levels=sizes.concurrency_levels,
                seconds=sizes.concurrency_seconds,
                n_photos=sizes.concurrency_photos,
                log=log,
            ),
        )
        section(
            "outbox",
            lambda: outbox.benchmark(
                env=env, photos=photos.paths, workdir=workdir, changes=sizes.outbox_changes, log=log
            ),
        )
        section(
            "elasticsearch",
            lambda: es.benchmark(
                space=space,
                sizes=sizes.es_sizes,
                queries=sizes.queries,
                num_candidates=sizes.num_candidates,
                heap=sizes.es_heap,
                budget=budget,
                try_1m=not args.skip_es_1m,
                stdlib_json_rebuild=not args.no_stdlib_json_rebuild,
                log=log,
            ),
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    from .report import format_table, goals, rows

    results["load_average_end"] = load_average()
    results["total_s"] = time.monotonic() - began
    table = rows(results)
    results["table"] = [list(r) for r in table]
    results["goals"] = goals(results, full_size=not args.quick)
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(results, indent=2, default=str))
    print()
    print(format_table(table) if table else "(no figures)")
    print()
    for goal in results["goals"]:
        print(f"{goal['status']:>12}: {goal['goal']}: {goal['reason']}")
    print(
        f"\nload average start {results['load_average_start']}, end {results['load_average_end']}; "
        f"total {results['total_s'] / 60:.1f} min; JSON: {_shown(args.json_out)}"
    )
    if results["errors"]:
        print(f"errors: {json.dumps(results['errors'], indent=1)}")
    return 1 if results["errors"] else 0


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
