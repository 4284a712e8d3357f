"""Embedding throughput: the original blog's way against Reunite's decode-and-batch paths.

Paths (all on the same phone-sized JPEGs):

* blog: `model.encode([Image.open(path)])`, one image at a time, full decode;
* sync: `search.sync.open_for_embedding(photo)` (Pillow draft decode) then
  `search.embeddings.embed_images` on the whole block, at the default
  EMBEDDING_PRECISION ("auto": bfloat16 where the CPU computes it natively);
* sync-float32: the same with EMBEDDING_PRECISION=float32;
* sync-1thread: the same as sync with torch.set_num_threads(1) (what TORCH_THREADS=1 does);
* upload-full: `dogs.photos.open_checked_photo(file)` (full decode, as the forms
  did before draft decoding) then `embed_images`, 8 photos per call (PHOTOS_PER_FORM);
* upload: `open_checked_photo(file, draft_to=EMBEDDING_DRAFT_SIZE)` then `embed_images`,
  8 per call, as the registration and photo-search forms do;
* import (memory only): the same on 32 photos per call, as `import_dogs` does.

Throughput: one worker process holds every path's model and runs them side by
side: in each round every path embeds the same block of photos, in a rotating
order, so a noisy neighbour (this machine is shared) slows every path alike within
seconds of each other. A path's images/s is its images over its seconds; its ratio
to the blog's way is the median of the per-round ratios. Model loading and a
warm-up are excluded.

Memory: `ru_maxrss` needs a process per path, so each path also runs once over
all the photos in a fresh worker of its own.

Run a worker by hand: python -m bench.embedding '<json spec>'
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from dogs.photos import EMBEDDING_DRAFT_SIZE

from .runtime import REPO_ROOT

# kind, photos per embed_images call, draft_to, torch threads (default: torch's own),
# EMBEDDING_PRECISION (default: the setting's default, "auto")
PATHS: dict[str, dict] = {
    "blog": {"kind": "blog", "batch": 1},
    "sync": {"kind": "sync", "batch": 32},
    "sync-float32": {"kind": "sync", "batch": 32, "precision": "float32"},
    "sync-1thread": {"kind": "sync", "batch": 32, "threads": 1},
    "upload-full": {"kind": "upload", "batch": 8},
    "upload": {"kind": "upload", "batch": 8, "draft_to": EMBEDDING_DRAFT_SIZE},
    "import": {"kind": "upload", "batch": 32, "draft_to": EMBEDDING_DRAFT_SIZE},
}
LABELS = {
    "blog": "blog: Image.open + model.encode, 1 at a time",
    "sync": "sync: open_for_embedding (draft) + embed_images, EMBEDDING_PRECISION=auto",
    "sync-float32": "sync, EMBEDDING_PRECISION=float32",
    "sync-1thread": "sync, torch 1 thread",
    "upload-full": "upload before draft decoding: open_checked_photo (full) + embed_images, 8 per call",
    "upload": f"upload: open_checked_photo(draft_to={EMBEDDING_DRAFT_SIZE}) + embed_images, 8 per call",
    "import": f"import_dogs: open_checked_photo(draft_to={EMBEDDING_DRAFT_SIZE}) + embed_images, 32 per call",
}


# -- worker (runs in its own process) ---------------------------------------------------


def _worker(spec: dict) -> dict:
    from .runtime import peak_rss_mb, quiet_libraries, rss_mb, setup_django

    quiet_libraries()
    setup_django(spec["env"], create_tables=False)
    import torch

    photos = [Path(p) for p in spec["photos"]]
    default_threads = torch.get_num_threads()
    names = spec["paths"]
    runners = {name: _runner(PATHS[name], spec["model"]) for name in names}
    rss_loaded = rss_mb()
    blocks = [photos[i : i + spec["block"]] for i in range(0, len(photos), spec["block"])]
    rounds = spec["rounds"] if spec["mode"] == "throughput" else 1
    seconds: dict[str, list[float]] = {name: [] for name in names}
    images: dict[str, list[int]] = {name: [] for name in names}
    vectors: dict[str, dict[int, np.ndarray]] = {name: {} for name in names}
    for round_no in range(rounds):
        block_no = round_no % len(blocks)
        block = blocks[block_no]
        for name in names[round_no % len(names) :] + names[: round_no % len(names)]:
            torch.set_num_threads(PATHS[name].get("threads") or default_threads)
            start = time.perf_counter()
            out = runners[name](block)
            seconds[name].append(time.perf_counter() - start)
            images[name].append(len(block))
            for offset, vector in enumerate(out):
                vectors[name][block_no * spec["block"] + offset] = vector
    for name in names:
        indices = sorted(vectors[name])
        np.save(Path(spec["vectors_dir"]) / f"vectors-{name}.npy", np.stack([vectors[name][i] for i in indices]))
        np.save(Path(spec["vectors_dir"]) / f"indices-{name}.npy", np.array(indices))
    return {
        "seconds": seconds,
        "images": images,
        "torch_threads": {name: PATHS[name].get("threads") or default_threads for name in names},
        "precision": {name: _precision(PATHS[name]) for name in names},
        "rss_after_model_load_mb": rss_loaded,
        "peak_rss_mb": peak_rss_mb(),
    }


def _runner(spec: dict, model_folder: str):
    """A function embedding a list of photo paths the path's way, its model loaded and warmed up."""
    from django.conf import settings
    from PIL import Image

    warmup = [Image.new("RGB", (640, 480), (i * 40, 90, 160)) for i in range(2)]
    kind, batch = spec["kind"], spec["batch"]
    if kind == "blog":
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(model_folder, device="cpu")
        model.encode(warmup, show_progress_bar=False)

        def run(paths: list[Path]) -> np.ndarray:
            rows = [model.encode([Image.open(path)], show_progress_bar=False)[0] for path in paths]
            vectors = np.asarray(rows, dtype=np.float32)
            return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

        return run

    from search.embeddings import embed_images

    encoder_installed = _own_encoder(spec.get("precision", settings.EMBEDDING_PRECISION))
    with encoder_installed():
        embed_images(warmup)
    if kind == "sync":
        from dogs.models import DogPhoto
        from search.sync import open_for_embedding

        def run(paths: list[Path]) -> np.ndarray:
            settings.MEDIA_ROOT = str(paths[0].parent.parent)
            photos = [DogPhoto(image=f"{p.parent.name}/{p.name}") for p in paths]
            out = []
            with encoder_installed():
                for start in range(0, len(photos), batch):
                    out.append(embed_images([open_for_embedding(photo) for photo in photos[start : start + batch]]))
            return np.concatenate(out)

        return run

    from django.core.files import File

    from dogs.photos import open_checked_photo

    draft_to = spec.get("draft_to")

    def run(paths: list[Path]) -> np.ndarray:
        out = []
        with encoder_installed():
            for start in range(0, len(paths), batch):
                handles = [p.open("rb") for p in paths[start : start + batch]]
                try:
                    checked = [open_checked_photo(File(h, name=Path(h.name).name), draft_to=draft_to) for h in handles]
                    out.append(embed_images([c.image for c in checked]))
                finally:
                    for handle in handles:
                        handle.close()
        return np.concatenate(out)

    return run


def _precision(path: dict) -> str:
    from django.conf import settings

    from search.embeddings import resolve_precision

    if path["kind"] == "blog":
        return "float32"
    return resolve_precision(path.get("precision", settings.EMBEDDING_PRECISION))


def _own_encoder(precision: str):
    """A context manager that makes `embed_images` use this path's own encoder.

    The app loads one encoder per process for its configured precision; to time
    two precisions side by side in one process, each path gets its own and installs
    it (into search.embeddings' process-wide slot) only while it runs.
    """
    import contextlib

    from django.conf import settings

    from search import embeddings
    from search.embeddings.clip import ClipEncoder

    encoder = ClipEncoder(settings.CLIP_MODEL, precision=embeddings.resolve_precision(precision))

    @contextlib.contextmanager
    def installed():
        saved = embeddings._encoder, embeddings._encoder_key
        embeddings._encoder, embeddings._encoder_key = encoder, embeddings._configured_key()
        try:
            yield encoder
        finally:
            embeddings._encoder, embeddings._encoder_key = saved

    return installed


# -- orchestration (main process) ---------------------------------------------------------


def run_worker(module: str, spec: dict, timeout: float) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", module, json.dumps(spec)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=timeout,
        env={**os.environ, **spec["env"]},
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"{module} worker failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def centred_cosines(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Per-image cosine after removing the reference set's mean embedding.

    A randomly initialised CLIP maps every image to nearly the same direction
    (the raw cosine between *different* images is ~0.98), so a raw cosine of
    0.99 proves little; what tells images apart is the part that differs from
    the mean, and this compares exactly that part.
    """
    mean = reference.mean(axis=0, keepdims=True)
    a, b = reference - mean, other - mean
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def benchmark(
    *,
    env: dict,
    clip_folder: Path,
    photos: list[Path],
    workdir: Path,
    rounds: int,
    block: int,
    paths: list[str],
    memory_paths: list[str],
    log,
) -> dict:
    base = {"env": env, "model": str(clip_folder), "photos": [str(p) for p in photos]}
    out: dict = {"paths": {}, "block": block, "rounds": rounds, "memory": {}}

    throughput_dir = workdir / "throughput"
    throughput_dir.mkdir(exist_ok=True)
    spec = {**base, "mode": "throughput", "paths": paths, "rounds": rounds, "block": block}
    result = run_worker("bench.embedding", {**spec, "vectors_dir": str(throughput_dir)}, timeout=1800)
    out["throughput_worker_peak_rss_mb"] = result["peak_rss_mb"]
    seconds, images = result["seconds"], result["images"]
    vectors = {name: np.load(throughput_dir / f"vectors-{name}.npy") for name in paths}
    for name in paths:
        total = sum(images[name]) / sum(seconds[name])
        per_round = [n / s for n, s in zip(images[name], seconds[name], strict=True)]
        entry = {
            "label": LABELS[name],
            "images": sum(images[name]),
            "images_per_s": total,
            "images_per_s_rounds": per_round,
            "torch_threads": result["torch_threads"][name],
            "precision": result["precision"][name],
        }
        if "blog" in paths:
            blog = [n / s for n, s in zip(images["blog"], seconds["blog"], strict=True)]
            entry["ratio_vs_blog"] = float(np.median([a / b for a, b in zip(per_round, blog, strict=True)]))
            entry["ratio_vs_blog_rounds"] = [a / b for a, b in zip(per_round, blog, strict=True)]
            if name != "blog":
                entry["min_cosine_vs_blog"] = float((vectors["blog"] * vectors[name]).sum(1).min())
                entry["min_centred_cosine_vs_blog"] = float(centred_cosines(vectors["blog"], vectors[name]).min())
        out["paths"][name] = entry
        log(
            f"  embedding {name}: {total:.2f} images/s"
            + (f", {entry['ratio_vs_blog']:.2f}x blog (median of {rounds} rounds)" if "ratio_vs_blog" in entry else "")
        )
    if "blog" in vectors:
        v = vectors["blog"]
        off = (v @ v.T)[np.triu_indices(len(v), 1)]
        out["blog_between_image_cosine_mean"] = float(off.mean()) if len(off) else None

    for name in memory_paths:
        memory_dir = workdir / f"memory-{name}"
        memory_dir.mkdir(exist_ok=True)
        spec = {**base, "mode": "memory", "paths": [name], "block": len(photos), "vectors_dir": str(memory_dir)}
        result = run_worker("bench.embedding", spec, timeout=900)
        out["memory"][name] = {
            "label": LABELS[name],
            "peak_rss_mb": result["peak_rss_mb"],
            "rss_after_model_load_mb": result["rss_after_model_load_mb"],
            "images": sum(result["images"][name]),
        }
        log(f"  embedding memory {name}: peak RSS {result['peak_rss_mb']:.0f} MB")
    return out


if __name__ == "__main__":
    print("RESULT " + json.dumps(_worker(json.loads(sys.argv[1]))), flush=True)
