"""Embedding a stream of photos with decoding overlapped with inference.

Pillow and torch release the GIL while they decode, resize and multiply, so one
thread can decode and crop the next photos while the model runs on the current
batch. The decode thread stays at most `decode_ahead` photos ahead, so memory stays
bounded however long the stream.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from PIL import Image

from .localise import Localisation

# Loads one photo: an upright RGB image, or OSError when it cannot be read.
PhotoLoader = Callable[[], Image.Image]

_DONE = object()


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


class _Crash:
    """An unexpected error in the decode thread, raised again in the caller's thread."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def embed_in_order(
    loaders: Iterable[PhotoLoader], *, batch_size: int | None = None, decode_ahead: int | None = None
) -> Iterator[np.ndarray | OSError]:
    """For each loader, in order: its photo's (d,) float32 unit vector, or the OSError it raised.

    A decode thread calls the loaders (and consumes `loaders`, so pass a list when
    iterating it would touch the database) and turns each photo into the model's input
    while the model embeds the previous batch. Raises ModelUnavailable before any
    photo is decoded. Any other error from a loader stops the stream and is raised here.
    """
    from . import get_encoder

    encoder = get_encoder()
    size = max(1, batch_size or settings.EMBEDDING_BATCH_SIZE)
    return _vectors_only(_embedded(encoder, loaders, size, decode_ahead or 2 * size, find_dogs=False))


def _vectors_only(stream) -> Iterator[np.ndarray | OSError]:
    with contextlib.closing(stream):  # a caller that stops reading stops the decode thread at once
        for item in stream:
            yield item if isinstance(item, OSError) else item[0]


def embed_and_find_dogs(
    loaders: Iterable[PhotoLoader], *, batch_size: int | None = None
) -> Iterator[tuple[np.ndarray, DogInPhoto] | OSError]:
    """As `embed_in_order`, with where the model sees the dog in each photo (localise.py).

    The decode thread localises too, overlapped with the batch being embedded: free where the
    recipe localises anyway (`pool`, `crop`), else a second, smaller pass of a model whose
    localiser is measured (EfficientNet-Lite0); CLIP's is not, and its photos are not looked at.
    """
    from . import get_encoder

    encoder = get_encoder()
    size = max(1, batch_size or settings.EMBEDDING_BATCH_SIZE)
    return _embedded(encoder, loaders, size, 2 * size, find_dogs=True)


def _embedded(encoder, loaders, size: int, ahead: int, *, find_dogs: bool):
    decoded: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()
    thread = threading.Thread(
        target=_decode, args=(encoder, loaders, decoded, stop, find_dogs), name="embedding-decode", daemon=True
    )
    thread.start()
    try:
        pending: list[np.ndarray | OSError] = []
        photos = 0
        while (item := decoded.get()) is not _DONE:
            if isinstance(item, _Crash):
                raise item.error
            pending.append(item)
            photos += not isinstance(item, OSError)
            if photos == size:
                yield from _with_vectors(encoder, pending)
                pending, photos = [], 0
        yield from _with_vectors(encoder, pending)
    finally:
        stop.set()
        while thread.is_alive():  # unblock a decode thread waiting for room, then let it end
            with contextlib.suppress(queue.Empty):
                decoded.get(timeout=0.05)
        thread.join()


def _with_vectors(encoder, pending: list) -> Iterator[tuple[np.ndarray, DogInPhoto | None] | OSError]:
    vectors = iter(encoder.encode_pixels([p[0] for p in pending if not isinstance(p, OSError)]))
    for item in pending:
        yield item if isinstance(item, OSError) else (next(vectors), item[1])


def _prepared(encoder, image: Image.Image, find_dogs: bool) -> tuple[np.ndarray, DogInPhoto | None]:
    if not find_dogs:
        return encoder.pixels(image), None
    pixels, found = encoder.pixels_and_dog(image)
    return pixels, DogInPhoto.from_localisation(found, image.size)


def _decode(
    encoder, loaders: Iterable[PhotoLoader], decoded: queue.Queue, stop: threading.Event, find_dogs: bool
) -> None:
    def put(item) -> bool:
        while not stop.is_set():
            try:
                decoded.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    try:
        for load in loaders:
            if stop.is_set():  # the caller stopped reading: decode nothing more
                return
            try:
                item = _prepared(encoder, load(), find_dogs)
            except OSError as exc:
                item = exc
            if not put(item):
                return
    except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, which raises it
        put(_Crash(exc))
        return
    put(_DONE)
