"""Embedding a stream of photos: each batch decoded on every core, then embedded on every core.

Pillow releases the GIL while it decodes and resizes, so a pool of threads (one per torch
thread) decodes a batch in parallel; then the model runs on that batch with the cores to
itself. Decoding in one thread *beside* the model instead (as Reunite did first) was slower
on 2 cores: the model's threads wait at every step for the one that lost its core to the
decoder (BENCHMARKS.md, "Run of 2026-12-02, second machine"). Only one batch is decoded at a
time, so memory stays bounded however long the stream.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from PIL import Image

from .localise import Localisation

# Loads one photo: an upright RGB image, or OSError when it cannot be read.
PhotoLoader = Callable[[], Image.Image]


@dataclass(frozen=True)
class DogInPhoto:
    """Where the model saw the dog: `box` as shares (0-1) of the photo's sides, None when it saw none.

    `found` is None when the model did not look (a localiser not measured on real photos, CLIP's today).
    """

    found: bool | None
    box: list[float] | None

    @classmethod
    def from_localisation(cls, found: Localisation | None, size: tuple[int, int]) -> DogInPhoto:
        if found is None:
            return cls(None, None)
        return cls(found.found, found.relative_box(size))


def embed_in_order(loaders: Iterable[PhotoLoader], *, batch_size: int | None = None) -> Iterator[np.ndarray | OSError]:
    """For each loader, in order: its photo's (d,) float32 unit vector, or the OSError it raised.

    Loaders are called a batch at a time, in parallel (so pass a list when iterating `loaders`
    would touch the database, and loaders that are safe to run side by side). Raises
    ModelUnavailable before any photo is decoded. Any other error from a loader stops the
    stream and is raised here.
    """
    from . import get_encoder

    encoder = get_encoder()
    size = max(1, batch_size or settings.EMBEDDING_BATCH_SIZE)
    return _vectors_only(_embedded(encoder, loaders, size, find_dogs=False))


def _vectors_only(stream) -> Iterator[np.ndarray | OSError]:
    try:
        for item in stream:
            yield item if isinstance(item, OSError) else item[0]
    finally:
        stream.close()  # a caller that stops reading shuts the decode threads down at once


def embed_and_find_dogs(
    loaders: Iterable[PhotoLoader], *, batch_size: int | None = None
) -> Iterator[tuple[np.ndarray, DogInPhoto] | OSError]:
    """As `embed_in_order`, with where the model sees the dog in each photo (localise.py).

    Free where the recipe localises anyway (`pool` in its batched pass, `crop` in the decode
    threads), else a second, smaller pass in the decode threads, by a model whose localiser is
    measured (EfficientNet-Lite0); CLIP's is not, and its photos are not looked at.
    """
    from . import get_encoder

    encoder = get_encoder()
    size = max(1, batch_size or settings.EMBEDDING_BATCH_SIZE)
    return _embedded(encoder, loaders, size, find_dogs=True)


def decode_threads() -> int:
    """One decoding thread per thread the model computes with: each phase has every core."""
    import torch

    return max(1, torch.get_num_threads())


def _embedded(encoder, loaders: Iterable[PhotoLoader], size: int, *, find_dogs: bool):
    prepare = functools.partial(_load_and_prepare, encoder, find_dogs=find_dogs)
    with ThreadPoolExecutor(min(size, decode_threads()), thread_name_prefix="embedding-decode") as pool:
        for batch in _batches(loaders, size):
            yield from _with_vectors(encoder, list(pool.map(prepare, batch)), find_dogs)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _load_and_prepare(encoder, load: PhotoLoader, *, find_dogs: bool):
    try:
        image = load()
    except OSError as exc:
        return exc
    if not find_dogs:
        return encoder.pixels(image), None
    pixels, found = encoder.pixels_and_dog(image)
    return pixels, DogInPhoto.from_localisation(found, image.size)


def _with_vectors(encoder, prepared: list, find_dogs: bool) -> Iterator[tuple[np.ndarray, DogInPhoto | None] | OSError]:
    pixels = [p[0] for p in prepared if not isinstance(p, OSError)]
    if find_dogs:  # some recipes find the dog in the embedding's own pass (`pool`)
        vectors, dogs_found = encoder.encode_pixels_and_dogs(pixels)
    else:
        vectors, dogs_found = encoder.encode_pixels(pixels), [None] * len(pixels)
    results = iter(zip(vectors, dogs_found, strict=True))
    for item in prepared:
        if isinstance(item, OSError):
            yield item
        else:
            vector, found_in_pass = next(results)
            yield vector, found_in_pass or item[1]
