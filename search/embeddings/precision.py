"""EMBEDDING_PRECISION=auto: float32 or bfloat16, whichever this machine runs faster.

A CPU flag does not say which is faster. An EPYC with `avx512_bf16` ran CLIP in bfloat16
twice as fast as in float32; a Xeon with the same flag but no AMX ran its bfloat16 matmuls
at 137 GFLOP/s against 247 in float32 (BENCHMARKS.md). So "auto" times the model in both
on a small batch, keeps bfloat16 only if it is clearly faster *and* every embedding stays
within MIN_COSINE of float32's, and remembers the answer per model, torch version, CPU and
thread count in a small JSON file (EMBEDDING_PRECISION_CACHE), so the measurement runs once
per machine, not at every start. Delete the file to measure again.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import numpy as np
from django.conf import settings

logger = logging.getLogger(__name__)

PRECISIONS = ("auto", "float32", "bfloat16")
# The documented bound: each embedding within this cosine of float32's (BENCHMARKS.md).
MIN_COSINE = 0.99
# A near tie keeps float32: exact, and a noisy neighbour cannot flip the choice.
MIN_SPEEDUP = 1.10
ROUNDS = 3
# Old models' entries are dropped beyond this many, so the file stays small.
MAX_ENTRIES = 32

T = TypeVar("T")

# One batch through the model, returning (n, d) float32 rows.
Forward = Callable[[], np.ndarray]


@dataclass(frozen=True)
class PrecisionChoice:
    precision: str
    source: str  # "setting", "measured" or "cached"
    float32_images_per_s: float = 0.0
    bfloat16_images_per_s: float = 0.0
    min_cosine: float = 1.0
    measured_at: str = ""

    def describe(self) -> str:
        if self.source == "setting":
            return f"{self.precision} (EMBEDDING_PRECISION)"
        return (
            f"{self.precision} ({self.source} {self.measured_at}: float32 {self.float32_images_per_s:.1f}, "
            f"bfloat16 {self.bfloat16_images_per_s:.1f} images/s, min cosine {self.min_cosine:.4f})"
        )


def machine_key(model_id: str, threads: int) -> str:
    """What the choice depends on: the model, torch, the CPU and how many threads it gets."""
    import torch

    capabilities = torch.cpu.get_capabilities()
    flags = sorted(name for name in ("avx2", "avx512", "avx512_bf16", "amx_bf16") if capabilities.get(name))
    return json.dumps([model_id, torch.__version__, _cpu_model(), flags, threads])


def _cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def choose(key: str, measure_now: Callable[[], PrecisionChoice]) -> PrecisionChoice:
    """For "auto": the choice cached for `key`, or else `measure_now()`'s, then cached."""
    with _locked_cache() as cache:
        entry = cache.read().get(key)
        if entry is not None:
            choice = PrecisionChoice(**{**entry, "source": "cached"})
        else:
            choice = measure_now()
            cache.write(key, choice)
    logger.info("EMBEDDING_PRECISION=auto: %s", choice.describe())
    return choice


def measure(forwards: Mapping[str, Forward]) -> PrecisionChoice:
    """Time both in interleaved rounds (a busy neighbour slows both alike) and compare their output."""
    outputs, seconds = timed_rounds(forwards)
    speedup = statistics.median(a / b for a, b in zip(seconds["float32"], seconds["bfloat16"], strict=True))
    cosine = float(_row_cosines(outputs["float32"], outputs["bfloat16"]).min())
    images = len(outputs["float32"])
    faster, close = speedup >= MIN_SPEEDUP, cosine >= MIN_COSINE
    return PrecisionChoice(
        precision="bfloat16" if faster and close else "float32",
        source="measured",
        float32_images_per_s=images / statistics.median(seconds["float32"]),
        bfloat16_images_per_s=images / statistics.median(seconds["bfloat16"]),
        min_cosine=cosine,
        measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def timed_rounds(
    runs: Mapping[str, Callable[[], T]], rounds: int = ROUNDS
) -> tuple[dict[str, T], dict[str, list[float]]]:
    """Each run once to warm up (allocations, kernel JIT), then `rounds` timed times, the order
    alternating round by round so a busy neighbour slows all alike: (last outputs, seconds per run)."""
    outputs = {name: run() for name, run in runs.items()}
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for round_no in range(rounds):
        for name in names if round_no % 2 == 0 else names[::-1]:
            start = time.perf_counter()
            outputs[name] = runs[name]()
            seconds[name].append(time.perf_counter() - start)
    return outputs, seconds


def _row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


class _Cache:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def write(self, key: str, choice: PrecisionChoice) -> None:
        entries = self.read()
        entries[key] = {name: value for name, value in asdict(choice).items() if name != "source"}
        newest = sorted(entries.items(), key=lambda item: item[1].get("measured_at", ""), reverse=True)
        try:
            # Written whole and renamed: a reader never sees half a file.
            with tempfile.NamedTemporaryFile("w", dir=self.path.parent, delete=False, suffix=".tmp") as handle:
                json.dump(dict(newest[:MAX_ENTRIES]), handle, indent=1)
            os.replace(handle.name, self.path)
        except OSError as exc:
            logger.warning("Could not keep the precision choice in %s (it will be measured again): %s", self.path, exc)


@contextlib.contextmanager
def _locked_cache() -> Iterator[_Cache]:
    """The cache file, held by this process: two workers starting together measure once, not side by side."""
    path = Path(settings.EMBEDDING_PRECISION_CACHE)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path.with_name(path.name + ".lock"), "a")  # noqa: SIM115 - held for the block below
    except OSError as exc:
        logger.warning("Precision cache %s unusable: %s", path, exc)
        yield _Cache(path)
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield _Cache(path)
