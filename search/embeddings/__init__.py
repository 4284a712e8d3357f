"""The one place that owns the embedding model.

Only this package imports torch, sentence-transformers and transformers. The model is
loaded once per process, under a lock, so two threads never load it twice: by
`warm_up()` when a worker starts (gunicorn's post_fork in shelter/gunicorn.conf.py, and
the background worker), else on first use. A model that cannot be loaded is remembered
with back-off (1 minute, doubling to 10), so while it is unavailable every caller gets
`ModelUnavailable` at once instead of each paying for another failed load; its short
`str()` is for pages, its `detail` (what to set, what to run) goes to the log and
`/health/`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from django.conf import settings
from PIL import Image

from .localise import Localisation as Localisation
from .pipeline import DogInPhoto as DogInPhoto
from .pipeline import PhotoLoader as PhotoLoader
from .pipeline import embed_and_find_dogs as embed_and_find_dogs
from .pipeline import embed_in_order as embed_in_order
from .precision import PRECISIONS, PrecisionChoice
from .recipe import DEFAULT_RECIPE, RECIPES, RecipeEncoder, recipe_for

logger = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "The image-matching model is not available right now."
# Back-off after a failed load: the first retry after a minute, then doubling, at most ten.
RETRY_FIRST_S = 60.0
RETRY_MAX_S = 600.0


class ModelUnavailable(RuntimeError):
    """The configured model cannot be used now.

    `str()` is short and fit for a page; `detail` says why and what to do, for the log,
    the admin and `/health/`.
    """

    def __init__(self, detail: str = "", message: str = UNAVAILABLE_MESSAGE) -> None:
        super().__init__(message)
        self.detail = detail or message


class Encoder(Protocol):
    name: str
    dimension: int
    precision: str
    precision_choice: PrecisionChoice

    def pixels(self, image: Image.Image) -> np.ndarray: ...

    def encode_pixels(self, pixels: Sequence[np.ndarray]) -> np.ndarray: ...

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray: ...

    def localise(self, image: Image.Image) -> Localisation: ...

    def pixels_and_dog(self, image: Image.Image) -> tuple[np.ndarray, Localisation | None]: ...

    def encode_pixels_and_dogs(self, pixels: Sequence[np.ndarray]) -> tuple[np.ndarray, list[DogInPhoto | None]]: ...


@dataclass(frozen=True)
class ModelStatus:
    name: str
    loaded: bool
    error: str = ""
    precision: str = ""
    # "cold" (loads on first use), "warming" (loading now), "ready", or "unavailable" (retry_in_s).
    state: str = "cold"
    retry_in_s: float | None = None
    precision_choice: str = ""


_lock = threading.Lock()
_loaded: tuple[tuple[str, str, str, str], Encoder] | None = None  # one tuple, so readers never see half a swap
_loading = False
_warming = threading.Event()
_last_error = ""  # the detail of the last failed load
_failed_key: tuple[str, str, str, str] | None = None
_failures = 0
_retry_at = 0.0
_monotonic = time.monotonic


def _configured_key() -> tuple[str, str, str, str]:
    kind = settings.EMBEDDING_MODEL
    return (kind, settings.CLIP_MODEL, settings.EMBEDDING_PRECISION, recipe_for(kind, settings.EMBEDDING_RECIPE))


def active_model_name() -> str:
    """The name stored beside every embedding, known without loading the model.

    It is the model's version: the model, and the recipe (EMBEDDING_RECIPE, else the model's own)
    after an "@" unless it is "whole", so vectors made another way are never compared and
    `change_model` re-embeds.
    """
    kind, clip_model, _, recipe = _configured_key()
    name = clip_model if kind == "clip" else kind
    return name if recipe == DEFAULT_RECIPE else f"{name}@{recipe}"


def _build_encoder(kind: str, clip_model: str, precision_setting: str, recipe: str) -> Encoder:
    if recipe not in RECIPES:
        raise ModelUnavailable(f"Unknown EMBEDDING_RECIPE {recipe!r}. Use one of: {', '.join(RECIPES)}.")
    encoder = _build_model(kind, clip_model, precision_setting)
    if recipe == DEFAULT_RECIPE:
        return encoder
    try:
        return RecipeEncoder(encoder, recipe)
    except ValueError as exc:
        raise ModelUnavailable(f"EMBEDDING_RECIPE={recipe}: {exc}. Use another recipe or EMBEDDING_MODEL.") from exc


def _build_model(kind: str, clip_model: str, precision_setting: str) -> Encoder:
    _check_precision(precision_setting)
    if settings.TORCH_THREADS:
        import torch

        torch.set_num_threads(settings.TORCH_THREADS)
    if kind == "clip":
        from .clip import ClipEncoder

        return ClipEncoder(clip_model, precision=precision_setting)
    if kind == "efficientnet-lite0":
        from .efficientnet import EfficientNetLite0Encoder

        return EfficientNetLite0Encoder(precision=precision_setting)
    raise ModelUnavailable(f"Unknown EMBEDDING_MODEL {kind!r}. Use 'clip' (with CLIP_MODEL) or 'efficientnet-lite0'.")


def _check_precision(setting: str) -> None:
    if setting not in PRECISIONS:
        raise ModelUnavailable(f"Unknown EMBEDDING_PRECISION {setting!r}. Use one of: {', '.join(PRECISIONS)}.")


def resolve_precision(setting: str) -> str:
    """The float type the model computes in: "float32" or "bfloat16".

    "auto" is decided by timing both on this machine (precision.py), so resolving it
    loads the configured model; the choice is cached on disk per model, torch and CPU.
    """
    _check_precision(setting)
    if setting != "auto":
        return setting
    return get_encoder().precision


def inference_context(precision: str):
    """Inference mode, under bfloat16 autocast when that is the chosen precision."""
    import contextlib

    import torch

    stack = contextlib.ExitStack()
    stack.enter_context(torch.inference_mode())
    if precision == "bfloat16":
        stack.enter_context(torch.autocast("cpu", dtype=torch.bfloat16))
    return stack


def get_encoder() -> Encoder:
    """The configured model, loaded once; raises ModelUnavailable at once while a failed load is remembered."""
    key = _configured_key()
    loaded = _loaded
    if loaded is not None and loaded[0] == key:
        return loaded[1]
    with _lock:
        if _loaded is None or _loaded[0] != key:
            _load(key)
        return _loaded[1]


def _load(key: tuple[str, str, str, str]) -> None:
    global _loaded, _loading, _last_error, _failed_key, _failures
    if _failed_key == key and _monotonic() < _retry_at:
        raise ModelUnavailable(_last_error)
    started = _monotonic()
    _loading = True
    try:
        encoder = _build_encoder(*key)
    except ModelUnavailable as exc:
        _remember_failure(key, exc.detail)
        raise
    except Exception as exc:  # any failure to load is remembered and reported the same way
        _remember_failure(key, f"{type(exc).__name__}: {exc}")
        raise ModelUnavailable(_last_error) from exc
    finally:
        _loading = False
    _loaded = (key, encoder)
    _last_error, _failed_key, _failures = "", None, 0
    logger.info(
        "Loaded embedding model %s (%d dimensions) in %.1f s; precision %s",
        encoder.name,
        encoder.dimension,
        _monotonic() - started,
        encoder.precision_choice.describe(),
    )


def _remember_failure(key: tuple[str, str, str, str], detail: str) -> None:
    global _last_error, _failed_key, _failures, _retry_at
    _failures = _failures + 1 if _failed_key == key else 1
    _failed_key, _last_error = key, detail
    delay = min(RETRY_FIRST_S * 2 ** (_failures - 1), RETRY_MAX_S)
    _retry_at = _monotonic() + delay
    logger.error("Embedding model %s unavailable (next try in %.0f s): %s", active_model_name(), delay, detail)


def warm_up() -> threading.Thread:
    """Load the model now, in a background thread, so that no request waits for it.

    Web workers call it as they start (gunicorn's post_fork hook, shelter/gunicorn.conf.py,
    when EMBEDDING_WARM_START is on), and so does the background worker. `/health/` says
    "warming" until it is done. Returns the thread (tests and the worker may join it).
    """
    _warming.set()
    thread = threading.Thread(target=_warm, name="embedding-warm-up", daemon=True)
    thread.start()
    return thread


def _warm() -> None:
    try:
        encoder = get_encoder()
        # The first batch of a new size builds its kernels: build a one-photo search's now.
        encoder.encode_pixels([encoder.pixels(Image.new("RGB", (256, 256)))])
    except ModelUnavailable:
        pass  # remembered, logged and shown by /health/; callers get the short message
    finally:
        _warming.clear()


def download_model(*, dry_run: bool = False) -> str:
    """Fetch the configured model's files unless they are on disk; says what it did (or would do).

    The app itself loads from disk only (`manage.py download_model` calls this at deploy), so
    no request ever waits for the hub. Raises ModelUnavailable when the files cannot be fetched.
    """
    kind, clip_model, _, _ = _configured_key()
    if kind != "clip":
        return f"{active_model_name()} comes with Reunite's requirements: nothing to download."
    from . import clip

    folder = clip.folder_on_disk(clip_model)
    if folder is not None:
        return f"{clip_model} is on disk at {folder}: nothing to download."
    if clip.looks_like_a_path(clip_model):
        raise ModelUnavailable(clip.OFFLINE_HELP.format(name=clip_model, error="no such folder"))
    source = f"{clip.hub_id(clip_model)} from the Hugging Face hub"
    if dry_run:
        return f"Would download {source} (not on disk yet)."
    clip.download(clip_model)
    return f"Downloaded {source} to {clip.folder_on_disk(clip_model)}."


def model_status() -> ModelStatus:
    """What this process knows about the model; never loads it."""
    key = _configured_key()
    loaded = _loaded[1] if _loaded is not None and _loaded[0] == key else None
    if loaded is not None:
        state = "ready"
    elif _loading or _warming.is_set():
        state = "warming"
    elif _failed_key == key:
        state = "unavailable"
    else:
        state = "cold"
    return ModelStatus(
        name=active_model_name(),
        loaded=loaded is not None,
        error=_last_error,
        precision=loaded.precision if loaded is not None else "",
        state=state,
        retry_in_s=max(0.0, _retry_at - _monotonic()) if state == "unavailable" else None,
        precision_choice=loaded.precision_choice.describe() if loaded is not None else "",
    )


def reset() -> None:
    """Forget the loaded model and any remembered failure (tests switch models; settings take effect)."""
    global _loaded, _last_error, _failed_key, _failures, _retry_at
    with _lock:
        _loaded, _last_error, _failed_key, _failures, _retry_at = None, "", None, 0, 0.0


def embed_images(images: Sequence[Image.Image]) -> np.ndarray:
    """Embed upright RGB images (dogs.photos opens them so) in batches; an (n, d) float32 array of unit rows."""
    encoder = get_encoder()
    return encoder.encode_images(images)


def embed_image(image: Image.Image) -> np.ndarray:
    return embed_images([image])[0]


def find_dog(image: Image.Image) -> Localisation:
    """Where the configured model sees a dog in an upright photo (localise.py); loads the model."""
    return get_encoder().localise(image)


def embed_image_and_find_dog(image: Image.Image) -> tuple[np.ndarray, DogInPhoto]:
    """One upright photo's unit vector, and where the model sees the dog in it."""
    return next(embed_and_find_dogs([lambda: image], batch_size=1))
