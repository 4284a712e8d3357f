"""Real photos for tests that need a real model to see real things.

Synthetic shapes say nothing about whether a pretrained network matches a dog to
its own photo. Debian's ``darknet`` package ships a handful of well-known sample
photos (dog.jpg, horses.jpg, eagle.jpg, giraffe.jpg, person.jpg, kite.jpg,
scream.jpg) in ``/usr/share/darknet/data/``. The package is fetched with
``apt-get download`` (nothing is installed) and only those JPEGs are unpacked into
the git-ignored ``.cache/darknet/photos/``; later runs use the cache and need no
network.

Usage from the shell (to warm the cache in CI)::

    python -m tests.support.sample_photos

Environment variables:

``REUNITE_SAMPLE_PHOTOS``
    A folder that already holds the darknet photos (for machines without apt).
"""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

# The altered copies are built by the app for `evaluate_matching --set darknet`; the tests use the same.
from search.sample_sets import cropped, reencoded, rescaled
from search.sample_sets import variants as variants

from . import apt

PACKAGE = "darknet"
# Where the package keeps its sample photos (paths inside the .deb's data archive).
DATA_FOLDER = "usr/share/darknet/data/"
PHOTOS_ENV = "REUNITE_SAMPLE_PHOTOS"

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".cache" / "darknet"
PHOTOS_DIR = CACHE_DIR / "photos"
# Parallel test processes share the cache: one downloads, the others wait.
LOCK_FILE = CACHE_DIR / ".lock"


class SamplePhotosUnavailable(RuntimeError):
    """The darknet sample photos could not be found or fetched; the message says what to do."""


def sample_photos_dir() -> Path:
    """The folder holding the darknet sample photos (``*.jpg``), fetched on first use."""
    explicit = os.environ.get(PHOTOS_ENV, "").strip()
    if explicit:
        folder = Path(explicit)
        if not _has_photos(folder):
            raise SamplePhotosUnavailable(f"{PHOTOS_ENV}={explicit} holds no dog.jpg.")
        return folder
    if _has_photos(PHOTOS_DIR):
        return PHOTOS_DIR
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    LOCK_FILE.touch(exist_ok=True)
    with LOCK_FILE.open() as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _has_photos(PHOTOS_DIR):  # another process may have fetched them meanwhile
            _fetch()
    return PHOTOS_DIR


def sample_photos() -> list[Path]:
    """Every sample photo, sorted by name."""
    return sorted(sample_photos_dir().glob("*.jpg"))


def finders_copy(image: Image.Image) -> Image.Image:
    """Someone else's photo of the scene: cropped, mirrored, smaller, squeezed through JPEG."""
    return reencoded(rescaled(ImageOps.mirror(cropped(image.convert("RGB"), 0.75, (0.35, 0.6))), 0.45), quality=70)


def _has_photos(folder: Path) -> bool:
    return (folder / "dog.jpg").is_file()


def _fetch() -> None:
    # Unpack next to the final folder and rename it into place, so an interrupted
    # run never leaves a half-filled folder that looks complete.
    workdir = Path(tempfile.mkdtemp(prefix=".fetch-", dir=CACHE_DIR))
    try:
        deb = _download(workdir)
        staging = workdir / "photos"
        staging.mkdir()
        names = _extract_photos(deb, staging)
        if "dog.jpg" not in names:
            raise SamplePhotosUnavailable(
                f"{deb.name} has no {DATA_FOLDER}dog.jpg (found: {', '.join(names) or 'no photos'}); "
                f"the package layout changed: point {PHOTOS_ENV} at a folder with the darknet photos."
            )
        shutil.rmtree(PHOTOS_DIR, ignore_errors=True)
        staging.rename(PHOTOS_DIR)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _download(workdir: Path) -> Path:
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise SamplePhotosUnavailable(
            "The sample photos come from Debian's 'darknet' package and this machine has no apt-get/dpkg-deb. "
            f"Copy /usr/share/darknet/data/*.jpg from a Debian machine and set {PHOTOS_ENV} to that folder."
        )
    apt.download(PACKAGE, workdir, error=SamplePhotosUnavailable)
    debs = sorted(workdir.glob(f"{PACKAGE}_*.deb"))
    if not debs:
        raise SamplePhotosUnavailable(f"'apt-get download {PACKAGE}' succeeded but left no .deb in {workdir}.")
    return debs[0]


def _extract_photos(deb: Path, dest: Path) -> list[str]:
    """Write the package's sample JPEGs (and nothing else) into ``dest``; return their names."""
    proc = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, timeout=120)
    if proc.returncode != 0:
        error = proc.stderr.decode(errors="replace").strip()
        raise SamplePhotosUnavailable(f"dpkg-deb could not read {deb.name}: {error}")
    names = []
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as archive:
        for member in archive:
            path = member.name.removeprefix("./")
            name = path.removeprefix(DATA_FOLDER)
            # Only plain files directly in data/: its labels/ subfolder holds glyphs, not photos.
            if not member.isfile() or name == path or "/" in name or not name.lower().endswith(".jpg"):
                continue
            source = archive.extractfile(member)
            if source is not None:
                (dest / name).write_bytes(source.read())
                names.append(name)
    return sorted(names)


if __name__ == "__main__":
    folder = sample_photos_dir()
    print(folder)
    for photo in sorted(folder.glob("*.jpg")):
        print(f"  {photo.name}")
