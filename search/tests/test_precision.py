"""EMBEDDING_PRECISION: "auto" keeps bfloat16 only where it measured faster and close to float32."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from search import embeddings
from search.embeddings import precision
from search.embeddings.efficientnet import EfficientNetLite0Encoder
from search.tests.vectors import nearest_other
from tests.support.photos import make_image
from tests.support.sample_photos import sample_photos

ROWS = np.random.default_rng(0).normal(size=(8, 16)).astype(np.float32)


@pytest.fixture
def fresh_model(settings, tmp_path):
    settings.EMBEDDING_PRECISION_CACHE = str(tmp_path / "precision.json")
    embeddings.reset()
    yield settings
    embeddings.reset()


@pytest.fixture
def clock(monkeypatch):
    """A stopwatch that only the fake forwards move: the choice is tested without timing anything."""
    now = [0.0]
    monkeypatch.setattr(precision.time, "perf_counter", lambda: now[0])
    return now


def forward_taking(clock, seconds: float, rows: np.ndarray):
    def forward() -> np.ndarray:
        clock[0] += seconds
        return rows

    return forward


def choose(clock, *, float32_s: float, bfloat16_s: float, bfloat16_rows=ROWS, key="key") -> precision.PrecisionChoice:
    forwards = {
        "float32": forward_taking(clock, float32_s, ROWS),
        "bfloat16": forward_taking(clock, bfloat16_s, bfloat16_rows),
    }
    return precision.choose(key, lambda: precision.measure(forwards))


def test_it_keeps_bfloat16_where_it_measured_faster_and_close(fresh_model, clock):
    choice = choose(clock, float32_s=0.5, bfloat16_s=0.25, bfloat16_rows=ROWS + 0.001)

    assert choice.precision == "bfloat16"
    assert choice.source == "measured"
    assert choice.float32_images_per_s == pytest.approx(16.0)
    assert choice.bfloat16_images_per_s == pytest.approx(32.0)
    assert choice.min_cosine > 0.99


def test_it_keeps_float32_where_bfloat16_is_slower_whatever_the_cpu_flags_say(fresh_model, clock, monkeypatch):
    # The Xeon of issue 20: avx512_bf16 advertised, bfloat16 matmuls slower than float32.
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx512_bf16": True, "amx_bf16": False})

    assert choose(clock, float32_s=0.25, bfloat16_s=0.4).precision == "float32"


def test_a_near_tie_keeps_float32(fresh_model, clock):
    assert choose(clock, float32_s=0.50, bfloat16_s=0.47).precision == "float32"


def test_it_keeps_float32_when_bfloat16_embeddings_drift(fresh_model, clock):
    drifted = ROWS + np.random.default_rng(1).normal(scale=0.5, size=ROWS.shape).astype(np.float32)

    choice = choose(clock, float32_s=0.5, bfloat16_s=0.1, bfloat16_rows=drifted)

    assert choice.precision == "float32"
    assert choice.min_cosine < precision.MIN_COSINE


def test_the_choice_is_measured_once_and_read_back_from_disk(fresh_model, clock):
    measured = []

    def measure_now():
        measured.append(1)
        return precision.PrecisionChoice("bfloat16", "measured", 10.0, 20.0, 0.999, "2026-01-01T00:00:00+00:00")

    first = precision.choose("model-a", measure_now)
    again = precision.choose("model-a", measure_now)
    other_machine = precision.choose("model-b", measure_now)

    assert len(measured) == 2, "the same key is never measured twice"
    assert (first.source, again.source, other_machine.source) == ("measured", "cached", "measured")
    assert again.precision == "bfloat16" and again.bfloat16_images_per_s == 20.0
    stored = json.loads(Path(fresh_model.EMBEDDING_PRECISION_CACHE).read_text())
    assert set(stored) == {"model-a", "model-b"}


def test_an_unwritable_cache_still_gives_a_choice(fresh_model, clock, tmp_path):
    (tmp_path / "a-file").write_text("")
    fresh_model.EMBEDDING_PRECISION_CACHE = str(tmp_path / "a-file" / "precision.json")  # parent is a file

    assert choose(clock, float32_s=0.5, bfloat16_s=0.2).precision == "bfloat16"


def test_the_key_names_the_model_torch_cpu_and_threads():
    key = json.loads(precision.machine_key("clip-ViT-B-32", 3))

    assert key[0] == "clip-ViT-B-32"
    assert key[1] == torch.__version__
    assert key[-1] == 3


def test_auto_measures_the_real_encoder_once_then_uses_the_cached_choice(fresh_model, caplog):
    fresh_model.EMBEDDING_PRECISION = "auto"
    caplog.set_level("INFO", logger="search.embeddings")

    embeddings.embed_image(make_image(1))
    first = embeddings.model_status()
    embeddings.reset()
    embeddings.embed_image(make_image(1))
    second = embeddings.model_status()

    assert first.precision in ("float32", "bfloat16")
    assert second.precision == first.precision
    assert "measured" in first.precision_choice and "cached" in second.precision_choice
    assert "EMBEDDING_PRECISION=auto: " + first.precision in caplog.text
    assert embeddings.resolve_precision("auto") == first.precision


def test_an_unknown_precision_says_what_is_allowed(fresh_model):
    fresh_model.EMBEDDING_PRECISION = "fp8"

    with pytest.raises(embeddings.ModelUnavailable) as error:
        embeddings.embed_image(make_image(1))
    assert "EMBEDDING_PRECISION 'fp8'" in error.value.detail
    assert "auto, float32, bfloat16" in error.value.detail


def test_bfloat16_clip_embeddings_match_float32(fresh_model):
    images = [make_image(seed, size=(320, 240)) for seed in range(6)]

    fresh_model.EMBEDDING_PRECISION = "float32"
    full = embeddings.embed_images(images)
    embeddings.reset()
    fresh_model.EMBEDDING_PRECISION = "bfloat16"
    reduced = embeddings.embed_images(images)

    assert embeddings.model_status().precision == "bfloat16"
    assert reduced.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(reduced, axis=1), 1.0, atol=1e-5)
    assert not np.array_equal(full, reduced), "the bfloat16 setting must change how the model computes"
    assert (full * reduced).sum(axis=1).min() > 0.99


@pytest.mark.slow  # the real EfficientNet weights
def test_bfloat16_keeps_the_real_model_on_real_photos_close_to_float32(settings):
    """Pretrained weights (EfficientNet-Lite0) on real photos: the case random weights cannot show."""
    images = [Image.open(path).convert("RGB") for path in sample_photos()]

    full = EfficientNetLite0Encoder(precision="float32").encode_images(images)
    reduced = EfficientNetLite0Encoder(precision="bfloat16").encode_images(images)

    assert not np.array_equal(full, reduced)
    assert (full * reduced).sum(axis=1).min() > 0.99

    # Each photo's nearest other photo is the same under both precisions.
    np.testing.assert_array_equal(nearest_other(full), nearest_other(reduced))


@pytest.mark.parametrize(
    ("speeds", "expected"),
    [
        ({"pytorch": 20.0, "onednn": 25.0}, "onednn"),  # packed clearly faster (the AMD EPYC measured)
        ({"pytorch": 27.5, "onednn": 24.9}, "pytorch"),  # packed slower (the Intel Xeon measured)
        ({"pytorch": 20.0, "onednn": 20.5}, "pytorch"),  # a near tie keeps PyTorch's own
    ],
)
def test_clips_float32_kernels_are_chosen_by_timing_and_embed_alike(fresh_model, monkeypatch, speeds, expected):
    from search.embeddings import clip

    timed = []
    monkeypatch.setattr(clip, "kernel_speeds", lambda kernels, sample: timed.append(sorted(kernels)) or speeds)
    fresh_model.EMBEDDING_PRECISION = "float32"
    images = [make_image(seed) for seed in (3, 4, 5)]

    encoder = embeddings.get_encoder()
    vectors = encoder.encode_images(images)

    assert timed == [["onednn", "pytorch"]]
    assert encoder._forward.kernel == expected
    monkeypatch.setattr(clip, "kernel_speeds", lambda kernels, sample: {"pytorch": 1.0, "onednn": 1.0})
    embeddings.reset()
    other = embeddings.get_encoder()
    assert other._forward.kernel == "pytorch"
    np.testing.assert_allclose(vectors, other.encode_images(images), atol=1e-5)


def test_the_kernels_are_timed_for_real_on_the_tiny_model(fresh_model):
    from search.embeddings import clip

    fresh_model.EMBEDDING_PRECISION = "float32"
    encoder = embeddings.get_encoder()
    tower = encoder._forward
    sample = encoder.input.batch(clip.made_up_photos(encoder.input.crop)[:2])

    speeds = clip.kernel_speeds({"a": tower, "b": tower}, sample)

    assert set(speeds) == {"a", "b"} and all(speed > 0 for speed in speeds.values())
