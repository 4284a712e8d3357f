"""Embedding throughput: the original blog's way against Reunite's paths, and the model alone.

Paths (all on the same phone-sized JPEGs, decoded at EMBEDDING_DRAFT_SIZE as the app does):

* blog: `model.encode([Image.open(path)])`, one image at a time, full decode, float32;
* before: a draft decode at 448 (EMBEDDING_DRAFT_SIZE then) and `SentenceTransformer.encode`
  in batches of 16 through CLIP's image processor, bfloat16 autocast where the CPU flags
  say avx512_bf16: what Reunite's sync did before issue 20, to compare in the same run;
* model / model-float32: the model alone, `encode_pixels` on photos already cropped:
  what the paths below would reach if decoding and preprocessing cost nothing;
* sync: `search.embeddings.embed_and_find_dogs` fed `open_for_embedding` loaders, as the
  worker does (each batch decoded by a pool of threads, then embedded), at
  EMBEDDING_PRECISION=auto; sync-float32 the same in float32;
* sync-serial: the same decode one photo after another, then `embed_images` on the block;
* upload / upload-float32: `dogs.forms.check_uploads` (each file checked and decoded at
  EMBEDDING_DRAFT_SIZE, side by side, as a form's photos field does) then `embed_images`,
  8 photos per call;
* import / import-float32: `embed_in_order` fed `open_checked_photo` loaders, as an import
  or a background worker would.

Throughput: one worker process holds every path's model and runs them side by side: in each
round every path embeds the same block of photos (by default all 24, so that a stream spans
more than one batch of EMBEDDING_BATCH_SIZE), in a rotating order, so a noisy neighbour (this
machine is shared) slows every path alike within seconds of each other. A path's images/s
is its images over its seconds; its ratio to the blog's way (and to the model alone) is the
median of the per-round ratios. Model loading and a warm-up are excluded. Where each path's
time goes: decoding (the loader or open_checked_photo), preprocessing (`encoder.pixels`)
and the model (`encoder.encode_pixels`), as shares of its wall time; where the pipeline decodes on
several threads at once (sync, import), decoding and preprocessing are summed over the threads, so
the shares can add up to more than 100 %; the upload row's decoding is the wall time of
`check_uploads`.

Memory: `ru_maxrss` needs a process per path, so each path also runs once over all the
photos in a fresh worker of its own.

Run a worker by hand: python -m bench.embedding '<json spec>'
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from dogs.photos import EMBEDDING_DRAFT_SIZE

from .runtime import REPO_ROOT

# EMBEDDING_DRAFT_SIZE before issue 20.
BEFORE_DRAFT_SIZE = 448

# kind, photos per call (or per batch), EMBEDDING_PRECISION (default: the setting's, "auto")
PATHS: dict[str, dict] = {
    "blog": {"kind": "blog", "batch": 1},
    "before": {"kind": "before", "batch": 16},
    "model": {"kind": "model", "batch": 16},
    "model-float32": {"kind": "model", "batch": 16, "precision": "float32"},
    "sync": {"kind": "sync", "batch": 16},
    "sync-float32": {"kind": "sync", "batch": 16, "precision": "float32"},
    "sync-serial": {"kind": "sync-serial", "batch": 16},
    "upload": {"kind": "upload", "batch": 8},
    "upload-float32": {"kind": "upload", "batch": 8, "precision": "float32"},
    "import": {"kind": "import", "batch": 16},
    "import-float32": {"kind": "import", "batch": 16, "precision": "float32"},
}
LABELS = {
    "blog": "blog: Image.open + model.encode, 1 at a time",
    "before": "before issue 20: draft 448 + SentenceTransformer.encode, bf16 autocast by CPU flag",
    "model": "model alone: encode_pixels on cropped photos, EMBEDDING_PRECISION=auto",
    "model-float32": "model alone, float32",
    "sync": "sync: embed_and_find_dogs(open_for_embedding loaders), EMBEDDING_PRECISION=auto",
    "sync-float32": "sync, float32",
    "sync-serial": "sync, decoding one photo after another: embed_images(open_for_embedding of the block)",
    "upload": f"upload: check_uploads (draft_to={EMBEDDING_DRAFT_SIZE}, side by side) + embed_images, 8 per call",
    "upload-float32": "upload, float32",
    "import": f"import: embed_in_order(open_checked_photo(draft_to={EMBEDDING_DRAFT_SIZE}) loaders)",
    "import-float32": "import, float32",
}
# Each path is compared with the model alone in its own precision.
MODEL_PATH = {"model": "model", "sync": "model", "sync-serial": "model", "upload": "model", "import": "model"}
MODEL_PATH |= {name: "model-float32" for name in PATHS if name.endswith("-float32")}


class Stopwatch:
    """Seconds spent per path and part (decode, preprocess, model), from any thread."""

    def __init__(self) -> None:
        self.path = ""
        self.seconds: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.lock = threading.Lock()  # decode threads add up their times at once

    def timed(self, part: str, function):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                with self.lock:
                    self.seconds[self.path][part] += time.perf_counter() - start

        return run


# -- worker (runs in its own process) ---------------------------------------------------


def _worker(spec: dict) -> dict:
    from .runtime import peak_rss_mb, quiet_libraries, rss_mb, setup_django

    quiet_libraries()
    setup_django(spec["env"], create_tables=False)
    import torch

    photos = [Path(p) for p in spec["photos"]]
    names = spec["paths"]
    stopwatch = Stopwatch()
    encoders = _encoders({PATHS[n].get("precision", "auto") for n in names if PATHS[n]["kind"] != "blog"}, stopwatch)
    runners = {name: _runner(PATHS[name], spec["model"], encoders, photos, stopwatch) for name in names}
    rss_loaded = rss_mb()
    size = spec.get("block") or len(photos)
    blocks = [photos[i : i + size] for i in range(0, len(photos), size)]
    seconds: dict[str, list[float]] = {name: [] for name in names}
    vectors: dict[str, dict[Path, np.ndarray]] = {name: {} for name in names}
    for round_no in range(spec["rounds"]):
        block = blocks[round_no % len(blocks)]
        for name in names[round_no % len(names) :] + names[: round_no % len(names)]:
            stopwatch.path = name
            start = time.perf_counter()
            out = runners[name](block)
            seconds[name].append(time.perf_counter() - start)
            vectors[name].update(zip(block, out, strict=True))
    for name in names:
        np.save(Path(spec["vectors_dir"]) / f"vectors-{name}.npy", np.stack([vectors[name][p] for p in photos]))
    return {
        "seconds": seconds,
        "images": size,
        "parts_s": {name: dict(parts) for name, parts in stopwatch.seconds.items()},
        "torch_threads": torch.get_num_threads(),
        "precision": {name: _precision(PATHS[name], encoders) for name in names},
        "precision_choice": {p: e.precision_choice.describe() for p, e in encoders.items()},
        "rss_after_model_load_mb": rss_loaded,
        "peak_rss_mb": peak_rss_mb(),
    }


def _encoders(precisions: set[str], stopwatch: Stopwatch) -> dict:
    """One encoder per precision, shared by the paths that use it, with its parts timed."""
    from django.conf import settings

    from search.embeddings.clip import ClipEncoder

    encoders = {}
    for precision in sorted(precisions):
        # The default rows follow EMBEDDING_PRECISION ("auto" unless set): set it to bfloat16 to measure
        # the bfloat16 paths on a CPU where auto keeps float32.
        chosen = settings.EMBEDDING_PRECISION if precision == "auto" else precision
        encoder = ClipEncoder(settings.CLIP_MODEL, precision=chosen)
        encoder.pixels = stopwatch.timed("preprocess", encoder.pixels)
        encoder.encode_pixels = stopwatch.timed("model", encoder.encode_pixels)
        encoders[precision] = encoder
    return encoders


def _precision(path: dict, encoders: dict) -> str:
    if path["kind"] == "blog":
        return "float32"
    if path["kind"] == "before":
        return _flag_precision()
    return encoders[path.get("precision", "auto")].precision


def _flag_precision() -> str:
    """Reunite's rule before issue 20: bfloat16 wherever the CPU advertises it."""
    import torch

    capabilities = torch.cpu.get_capabilities()
    return "bfloat16" if capabilities.get("avx512_bf16") or capabilities.get("amx_bf16") else "float32"


def _installed(encoder):
    """A context manager that makes search.embeddings use `encoder`, whatever the settings say."""
    import contextlib

    from search import embeddings

    @contextlib.contextmanager
    def installed():
        saved = embeddings._loaded
        embeddings._loaded = (embeddings._configured_key(), encoder)
        try:
            yield encoder
        finally:
            embeddings._loaded = saved

    return installed


def _runner(spec: dict, model_folder: str, encoders: dict, photos: list[Path], stopwatch: Stopwatch):
    """A function embedding a list of photo paths the path's way, its model loaded and warmed up."""
    from PIL import Image

    kind, batch = spec["kind"], spec["batch"]
    if kind in ("blog", "before"):
        return _sentence_transformers_runner(kind, batch, model_folder)
    encoder = encoders[spec.get("precision", "auto")]
    installed = _installed(encoder)
    with installed():
        encoder.encode_images([Image.new("RGB", (640, 480), (i * 40, 90, 160)) for i in range(2)])
    if kind == "model":
        cropped = {p: encoder.input.pixels(draft_decoded(p)) for p in photos}  # not timed: not the model's part
        return lambda paths: encoder.encode_pixels([cropped[p] for p in paths])
    load = stopwatch.timed("decode", checked_upload if kind == "import" else draft_decoded)
    load_form = stopwatch.timed("decode", checked_uploads)

    def run(paths: list[Path]) -> np.ndarray:
        from search.embeddings import embed_and_find_dogs, embed_images, embed_in_order

        with installed():
            loaders = [lambda p=p: load(p) for p in paths]
            if kind == "sync":  # the worker's call: it also localises where the model's localiser is measured
                return np.stack([vector for vector, _dog in embed_and_find_dogs(loaders, batch_size=batch)])
            if kind == "import":
                return np.stack(list(embed_in_order(loaders, batch_size=batch)))
            blocks = [paths[i : i + batch] for i in range(0, len(paths), batch)]
            if kind == "upload":
                return np.concatenate([embed_images(load_form(block)) for block in blocks])
            return np.concatenate([embed_images([load(p) for p in block]) for block in blocks])

    return run


def _sentence_transformers_runner(kind: str, batch: int, model_folder: str):
    from PIL import Image
    from sentence_transformers import SentenceTransformer

    from search.embeddings import inference_context

    model = _SENTENCE_TRANSFORMERS.get(model_folder) or SentenceTransformer(model_folder, device="cpu")
    _SENTENCE_TRANSFORMERS[model_folder] = model  # blog and before share one copy
    model.encode([Image.new("RGB", (640, 480))], show_progress_bar=False)
    if kind == "blog":

        def blog(paths: list[Path]) -> np.ndarray:
            rows = [model.encode([Image.open(path)], show_progress_bar=False)[0] for path in paths]
            vectors = np.asarray(rows, dtype=np.float32)
            return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

        return blog
    precision = _flag_precision()

    def before(paths: list[Path]) -> np.ndarray:
        out = []
        for start in range(0, len(paths), batch):
            images = [draft_decoded(p, BEFORE_DRAFT_SIZE) for p in paths[start : start + batch]]
            with inference_context(precision):
                vectors = model.encode(images, batch_size=batch, convert_to_tensor=True, normalize_embeddings=True)
            out.append(vectors.float().numpy())
        return np.concatenate(out)

    return before


_SENTENCE_TRANSFORMERS: dict = {}


def draft_decoded(path: Path, side: int = EMBEDDING_DRAFT_SIZE):
    """A stored JPEG decoded at the draft scale, as search.sync.open_for_embedding does."""
    from PIL import Image

    with path.open("rb") as handle:
        image = Image.open(handle)
        image.draft("RGB", (side, side))
        image.load()
    return image


def checked_uploads(paths: list[Path]) -> list:
    """Photos checked and decoded as a form's photos field does (dogs.forms.check_uploads: side by side)."""
    import contextlib

    from django.core.files import File

    from dogs.forms import check_uploads

    with contextlib.ExitStack() as stack:
        files = [File(stack.enter_context(path.open("rb")), name=path.name) for path in paths]
        return [checked.image for _upload, checked in check_uploads(files)]


def checked_upload(path: Path):
    """An uploaded photo checked and decoded at the draft scale, as the forms and import_dogs do."""
    from django.core.files import File

    from dogs.photos import open_checked_photo

    with path.open("rb") as handle:
        return open_checked_photo(File(handle, name=path.name), draft_to=EMBEDDING_DRAFT_SIZE).image


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
    throughput_dir = workdir / "throughput"
    throughput_dir.mkdir(exist_ok=True)
    spec = {
        **base,
        "mode": "throughput",
        "paths": paths,
        "rounds": max(rounds, -(-len(photos) // block)),  # every photo at least once
        "block": block,
        "vectors_dir": str(throughput_dir),
    }
    result = run_worker("bench.embedding", spec, timeout=3600)
    out: dict = {
        "paths": {},
        "rounds": spec["rounds"],
        "images_per_round": result["images"],
        "torch_threads": result["torch_threads"],
        "precision_choice": result["precision_choice"],
        "throughput_worker_peak_rss_mb": result["peak_rss_mb"],
        "memory": {},
    }
    vectors = {name: np.load(throughput_dir / f"vectors-{name}.npy") for name in paths}
    for name in paths:
        out["paths"][name] = entry = _path_figures(name, result, vectors)
        log(
            f"  embedding {name}: {entry['images_per_s']:.2f} images/s"
            + (f", {entry['ratio_vs_blog']:.2f}x blog" if "ratio_vs_blog" in entry else "")
            + (f", {entry['share_of_model_alone']:.0%} of the model alone" if "share_of_model_alone" in entry else "")
        )
    if "blog" in vectors:
        v = vectors["blog"]
        out["blog_between_image_cosine_mean"] = float((v @ v.T)[np.triu_indices(len(v), 1)].mean())
    for name in memory_paths:
        memory_dir = workdir / f"memory-{name}"
        memory_dir.mkdir(exist_ok=True)
        spec = {**base, "mode": "memory", "paths": [name], "rounds": 1, "vectors_dir": str(memory_dir)}
        result = run_worker("bench.embedding", spec, timeout=900)
        out["memory"][name] = {
            "label": LABELS[name],
            "peak_rss_mb": result["peak_rss_mb"],
            "rss_after_model_load_mb": result["rss_after_model_load_mb"],
        }
        log(f"  embedding memory {name}: peak RSS {result['peak_rss_mb']:.0f} MB")
    return out


def _per_round_ratio(seconds: dict, reference: str, name: str) -> float:
    """Median over rounds of `name`'s speed over `reference`'s (both embedded the same photos each round)."""
    return float(np.median([a / b for a, b in zip(seconds[reference], seconds[name], strict=True)]))


def _path_figures(name: str, result: dict, vectors: dict) -> dict:
    seconds, images = result["seconds"], result["images"]
    wall = sum(seconds[name])
    entry = {
        "label": LABELS[name],
        "images_per_s": images * len(seconds[name]) / wall,
        "images_per_s_rounds": [images / s for s in seconds[name]],
        "precision": result["precision"][name],
        "shares_of_wall": {part: s / wall for part, s in result["parts_s"].get(name, {}).items()},
    }
    if "blog" in seconds:
        entry["ratio_vs_blog"] = _per_round_ratio(seconds, "blog", name)
        if name != "blog":
            entry["min_cosine_vs_blog"] = float((vectors["blog"] * vectors[name]).sum(1).min())
            entry["min_centred_cosine_vs_blog"] = float(centred_cosines(vectors["blog"], vectors[name]).min())
    model = MODEL_PATH.get(name)
    if model in seconds and model != name:
        entry["model_path"] = model
        entry["share_of_model_alone"] = _per_round_ratio(seconds, model, name)
    return entry


if __name__ == "__main__":
    print("RESULT " + json.dumps(_worker(json.loads(sys.argv[1]))), flush=True)
