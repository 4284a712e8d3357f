"""The one place that owns the embedding model.

Only this package imports torch and sentence-transformers. The model is loaded
lazily, once per process, under a lock, so web workers that never embed never
pay for it and two threads never load it twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from django.conf import settings
from PIL import Image

logger = logging.getLogger(__name__)


class ModelUnavailable(RuntimeError):
    """The configured embedding model cannot be loaded; the message says what to do."""


class Encoder(Protocol):
    name: str
    dimension: int
    precision: str

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray: ...


@dataclass(frozen=True)
class ModelStatus:
    name: str
    loaded: bool
    error: str = ""
    precision: str = ""


_lock = threading.Lock()
_encoder: Encoder | None = None
_encoder_key: tuple[str, str, str] | None = None
_last_error: str = ""


def _configured_key() -> tuple[str, str, str]:
    return (settings.EMBEDDING_MODEL, settings.CLIP_MODEL, settings.EMBEDDING_PRECISION)


def active_model_name() -> str:
    """The name stored beside every embedding, known without loading the model."""
    kind, clip_model, _ = _configured_key()
    if kind == "clip":
        return clip_model
    return kind


def _build_encoder(kind: str, clip_model: str, precision_setting: str) -> Encoder:
    precision = resolve_precision(precision_setting)
    if settings.TORCH_THREADS:
        import torch

        torch.set_num_threads(settings.TORCH_THREADS)
    if kind == "clip":
        from .clip import ClipEncoder

        return ClipEncoder(clip_model, precision=precision)
    if kind == "efficientnet-lite0":
        from .efficientnet import EfficientNetLite0Encoder

        return EfficientNetLite0Encoder(precision=precision)
    raise ModelUnavailable(f"Unknown EMBEDDING_MODEL {kind!r}. Use 'clip' (with CLIP_MODEL) or 'efficientnet-lite0'.")


PRECISIONS = ("auto", "float32", "bfloat16")


def resolve_precision(setting: str) -> str:
    """The float type the model computes in: "float32" or "bfloat16".

    bfloat16 roughly doubles CLIP's speed on CPUs that compute it natively
    (AVX512-BF16 or AMX) and keeps each embedding within a cosine of about 0.998 of
    the float32 one (BENCHMARKS.md), so "auto" uses it there. Elsewhere bfloat16 is
    emulated and slower than float32, so "auto" keeps float32.
    """
    if setting not in PRECISIONS:
        raise ModelUnavailable(f"Unknown EMBEDDING_PRECISION {setting!r}. Use one of: {', '.join(PRECISIONS)}.")
    if setting != "auto":
        return setting
    import torch

    capabilities = torch.cpu.get_capabilities()
    return "bfloat16" if capabilities.get("avx512_bf16") or capabilities.get("amx_bf16") else "float32"


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
    global _encoder, _encoder_key, _last_error
    key = _configured_key()
    if _encoder is not None and _encoder_key == key:
        return _encoder
    with _lock:
        if _encoder is None or _encoder_key != key:
            try:
                _encoder = _build_encoder(*key)
            except ModelUnavailable as exc:
                _last_error = str(exc)
                raise
            _encoder_key = key
            _last_error = ""
            logger.info(
                "Loaded embedding model %s (%d dimensions, %s)", _encoder.name, _encoder.dimension, _encoder.precision
            )
    return _encoder


def model_status() -> ModelStatus:
    loaded = _encoder is not None and _encoder_key == _configured_key()
    return ModelStatus(
        name=active_model_name(),
        loaded=loaded,
        error=_last_error,
        precision=_encoder.precision if loaded else "",
    )


def reset() -> None:
    """Forget the loaded model (tests switch models; settings changes take effect)."""
    global _encoder, _encoder_key, _last_error
    with _lock:
        _encoder, _encoder_key, _last_error = None, None, ""


def embed_images(images: Sequence[Image.Image]) -> np.ndarray:
    """Embed upright RGB images (dogs.photos opens them so) in batches; an (n, d) float32 array of unit rows."""
    encoder = get_encoder()
    if not images:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    vectors = np.asarray(encoder.encode_images(images), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def embed_image(image: Image.Image) -> np.ndarray:
    return embed_images([image])[0]
