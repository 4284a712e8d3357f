"""embed_in_order: each batch decoded by a pool of threads, then embedded; results in order, errors in place."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from search import embeddings
from tests.support.photos import make_image


def loader(seed: int, calls: list | None = None):
    def load():
        if calls is not None:
            calls.append(seed)
        return make_image(seed, size=(320, 240))

    return load


def unreadable():
    raise OSError("stored photo missing")


def decode_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("embedding-decode")]


def test_it_gives_each_photo_its_vector_in_order_and_unreadable_ones_their_error():
    loaders = [loader(1), loader(2), unreadable, loader(3), loader(4), loader(5)]

    results = list(embeddings.embed_in_order(loaders, batch_size=2))

    expected = embeddings.embed_images([make_image(seed, size=(320, 240)) for seed in (1, 2, 3, 4, 5)])
    assert isinstance(results[2], OSError) and "missing" in str(results[2])
    vectors = np.stack([r for r in results if not isinstance(r, OSError)])
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, expected, atol=1e-5)


def test_an_unavailable_model_fails_before_any_photo_is_decoded(settings, tmp_path, request):
    request.addfinalizer(embeddings.reset)
    embeddings.reset()
    settings.CLIP_MODEL = str(tmp_path / "missing")
    calls = []

    with pytest.raises(embeddings.ModelUnavailable):
        embeddings.embed_in_order([loader(1, calls)])

    assert calls == []


def test_an_unexpected_loader_error_stops_the_stream_and_is_raised():
    def broken():
        raise ValueError("a bug in the loader")

    with pytest.raises(ValueError, match="a bug"):
        list(embeddings.embed_in_order([loader(1), broken, loader(2)], batch_size=1))
    assert not decode_threads()


def test_only_the_batch_being_embedded_is_decoded_and_closing_the_stream_ends_its_threads():
    calls: list[int] = []
    stream = embeddings.embed_in_order([loader(seed, calls) for seed in range(40)], batch_size=3)

    next(stream)
    time.sleep(0.3)  # time for anything that would decode further
    assert sorted(calls) == [0, 1, 2], "only the first batch"
    next(stream), next(stream)
    assert len(calls) == 3
    stream.close()

    assert not decode_threads(), "closing the stream ends its decode threads"


def test_a_batch_is_decoded_in_parallel(monkeypatch):
    from search.embeddings import pipeline

    monkeypatch.setattr(pipeline, "decode_threads", lambda: 2)
    both_in = threading.Barrier(2, timeout=10)

    def meeting(seed):
        def load():
            both_in.wait()  # only passes when two loaders run at once
            return make_image(seed, size=(320, 240))

        return load

    results = list(embeddings.embed_in_order([meeting(1), meeting(2)], batch_size=2))

    assert len(results) == 2 and not any(isinstance(r, OSError) for r in results)
