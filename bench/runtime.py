"""What every part of the benchmark shares: Django on a throw-away database, timing, memory."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE = REPO_ROOT / ".cache" / "bench"
MODEL_NAME = "bench-clip"  # the `model` of synthetic index documents


def django_environment(workdir: Path, clip_folder: Path) -> dict[str, str]:
    """Environment for this process and the workers: a temporary SQLite file and media folder.

    DEBUG is off as in production (no query log, no template debug info); HTTPS
    redirects are off because the test client speaks plain HTTP.
    """
    (workdir / "media").mkdir(parents=True, exist_ok=True)
    return {
        "DJANGO_SETTINGS_MODULE": "shelter.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "EMBEDDING_MODEL": "clip",
        "CLIP_MODEL": str(clip_folder),
        "SEARCH_BACKEND": "embedded",
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-not-secret",
        "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "TOKENIZERS_PARALLELISM": "false",
        "TRANSFORMERS_VERBOSITY": "error",
        "HF_HUB_OFFLINE": "1",
        # Measured afresh in each run (then shared by its sections), so the run shows the choice.
        "EMBEDDING_PRECISION_CACHE": str(workdir / "embedding-precision.json"),
    }


def setup_django(env: dict[str, str], *, create_tables: bool) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    # Templates may use {% static %}; a manifest storage would need collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if create_tables:
        from django.apps import apps
        from django.core.management import call_command

        # Tables straight from the current models, so the benchmark does not depend on
        # whether a colleague's model change has its migration yet.
        settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
        call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)


def quiet_libraries() -> None:
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    for name in ("transformers", "sentence_transformers", "torch", "elastic_transport", "elasticsearch"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:
        pass


def rss_mb() -> float:
    """Resident set size now."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """ru_maxrss: the process's peak resident set size (kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    ms = np.asarray(seconds, dtype=np.float64) * 1000
    return {
        "n": len(ms),
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "mean_ms": float(ms.mean()),
        "max_ms": float(ms.max()),
    }


def timed(call: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict:
    cpu = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    flags = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("flags"):
                flags = " ".join(
                    f
                    for f in line.split(":", 1)[1].split()
                    if f in {"avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile"}
                )
                break
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO_ROOT
        ).stdout.strip()
    except OSError:
        commit = ""
    import django
    import torch

    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "cpu_flags": flags,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "django": django.get_version(),
        "git_commit": commit,
    }


def mem_available_gib() -> float:
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024 / 1024
    return float("nan")


class Budget:
    """Wall-clock budget for the whole run, so optional steps can be skipped with a reason."""

    def __init__(self, minutes: float) -> None:
        self.seconds = minutes * 60
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def left(self) -> float:
        return self.seconds - self.elapsed()

    def allows(self, estimate_s: float, reserve_s: float = 0.0) -> bool:
        return estimate_s + reserve_s <= self.left()
