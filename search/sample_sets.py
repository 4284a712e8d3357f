"""Evaluation sets built from real images in Debian packages, for `evaluate_matching --set`.

No set of real dogs with several photos each can be fetched here; these are proxies.

- `darknet`: each of darknet's 7 sample photos is one "identity" with three altered copies
  (crop, mirror, rescale, colour, JPEG): the set the thresholds were first measured on.
- `background`: 12 animal cut-outs from `tuxpaint-stamps-default` (the three dogs, dog, dingo
  and fox, and nine other mammals), each pasted at 2 scales and 2 seeded positions onto 4 real
  scenes from darknet that every animal shares. The identity is the animal: a model that
  follows the background matches a husky on the beach to a lion on the beach. It shows
  whether an embedding follows the animal or the scene, NOT how well it tells two real dogs
  of one breed apart, nor how shelter photos differ (lighting, pose, a second dog).

Packages are fetched with `apt-get download` (nothing installed) and the files needed are
unpacked into the git-ignored `.cache/` (tuxpaint's package is about 160 MB). The sets are
built deterministically: the same bytes on every run with the same Pillow.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image, ImageEnhance, ImageOps

SETS = ("darknet", "background")
DARKNET = ("darknet", "usr/share/darknet/data/")
TUXPAINT = ("tuxpaint-stamps-default", "usr/share/tuxpaint/stamps/animals/mammals/")
PHOTOS_ENV = "REUNITE_SAMPLE_PHOTOS"  # a folder holding darknet's photos, for machines without apt

# Identities: the stamps' paths under mammals/, the three dogs first.
ANIMALS = (
    "dogs/dog",
    "dogs/dingo",
    "dogs/fox",
    "cats/lion",
    "cats/tiger",
    "bears/bear",
    "deer/deer",
    "rodents/squirrel",
    "equines/donkey",
    "bovines/goat",
    "rodents/rabbit",
    "aquatic/otter",
)
# Shared real scenes: a beach with people and kites, a painting, foliage with a giraffe and a
# zebra, water and shore (the eagle stays in the picture: real scenes hold other animals).
BACKGROUNDS = ("kite", "scream", "giraffe", "eagle")
CANVAS = (640, 480)
SCALES = (0.45, 0.7)  # the animal's height as a share of the photo's
POSITIONS = 2
SEED = 21


class SampleSetUnavailable(RuntimeError):
    """A package could not be fetched or unpacked; the message says what to do."""


def cache_dir() -> Path:
    return Path(settings.BASE_DIR) / ".cache"


def build(name: str, folder: Path) -> Path:
    """Write the named set into `folder` (one subfolder per identity) and return it."""
    if name == "darknet":
        _write_darknet(folder)
    elif name == "background":
        _write_background(folder)
    else:
        raise ValueError(f"unknown set {name!r}; sets: {', '.join(SETS)}")
    return folder


def fingerprint(folder: Path) -> str:
    """One SHA-256 over every file's relative path and bytes: equal for two identical builds."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# -- the sets ---------------------------------------------------------------------------------


def _save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.convert("RGB").save(path, format="JPEG", quality=90)


def _write_darknet(folder: Path) -> None:
    for path in darknet_photos():
        with Image.open(path) as opened:
            original = opened.convert("RGB")
        for v, image in enumerate([original, *variants(original)]):
            _save(image, folder / path.stem / f"{path.stem}-{v}.jpg")


def _write_background(folder: Path) -> None:
    photos = {path.stem: path for path in darknet_photos()}
    scenes = {}
    for name in BACKGROUNDS:
        with Image.open(photos[name]) as opened:
            scenes[name] = ImageOps.fit(opened.convert("RGB"), CANVAS, Image.Resampling.LANCZOS)
    rng = np.random.default_rng(SEED)
    for animal, stamp_path in zip(ANIMALS, stamps(), strict=True):
        with Image.open(stamp_path) as opened:
            stamp = opened.convert("RGBA")
        stamp = stamp.crop(stamp.getbbox())
        identity = animal.rsplit("/", 1)[-1]
        for scene_name, scene in scenes.items():
            for scale in SCALES:
                for position in range(POSITIONS):
                    photo, _ = paste(stamp, scene, scale, rng)
                    _save(photo, folder / identity / f"{identity}-{scene_name}-{int(scale * 100)}-{position}.jpg")


def paste(stamp: Image.Image, scene: Image.Image, scale: float, rng: np.random.Generator):
    """The scene with the cut-out pasted at `scale` of its height, at a random place: (photo, box)."""
    width, height = scene.size
    h = round(height * scale)
    w = round(stamp.width * h / stamp.height)
    if w > width * 0.95:
        w = round(width * 0.95)
        h = round(stamp.height * w / stamp.width)
    resized = stamp.resize((w, h), Image.Resampling.LANCZOS)
    x, y = int(rng.integers(0, width - w + 1)), int(rng.integers(0, height - h + 1))
    photo = scene.copy()
    photo.paste(resized, (x, y), resized)
    return photo, (x, y, x + w, y + h)


# -- darknet's altered copies (also the tests' "another photo of the same scene") -------------


def reencoded(image: Image.Image, quality: int = 70) -> Image.Image:
    """The image after a trip through JPEG at ``quality``, as a messenger app would send it."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer)


def cropped(image: Image.Image, keep: float, towards: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """A crop keeping ``keep`` of each side, its position set by ``towards`` (0 = left/top, 1 = right/bottom)."""
    width, height = image.size
    w, h = round(width * keep), round(height * keep)
    left, top = round((width - w) * towards[0]), round((height - h) * towards[1])
    return image.crop((left, top, left + w, top + h))


def rescaled(image: Image.Image, factor: float) -> Image.Image:
    width, height = image.size
    return image.resize((max(1, round(width * factor)), max(1, round(height * factor))), Image.Resampling.LANCZOS)


def variants(image: Image.Image) -> list[Image.Image]:
    """Three other "photos" of the same scene: what a finder's phone might make of it."""
    image = image.convert("RGB")
    flipped = reencoded(rescaled(ImageOps.mirror(cropped(image, 0.8, (0.2, 0.3))), 0.6), quality=70)
    darker = ImageEnhance.Color(ImageEnhance.Brightness(rescaled(image, 0.4)).enhance(0.85)).enhance(0.8)
    turned = cropped(image.rotate(6, resample=Image.Resampling.BICUBIC, expand=False), 0.85, (0.8, 0.7))
    warmer = ImageEnhance.Contrast(turned).enhance(1.15)
    return [flipped, reencoded(darker, quality=75), reencoded(rescaled(warmer, 0.7), quality=80)]


# -- fetching ---------------------------------------------------------------------------------


def darknet_photos() -> list[Path]:
    """darknet's sample JPEGs, sorted by name (the tests' cache, `.cache/darknet/photos/`)."""
    explicit = os.environ.get(PHOTOS_ENV, "").strip()
    folder = Path(explicit) if explicit else cache_dir() / "darknet" / "photos"
    if not (folder / "dog.jpg").is_file():
        if explicit:
            raise SampleSetUnavailable(f"{PHOTOS_ENV}={explicit} holds no dog.jpg.")
        _unpack(*DARKNET, folder, lambda name: "/" not in name and name.lower().endswith(".jpg"))
    return sorted(folder.glob("*.jpg"))


def stamps() -> list[Path]:
    """The cut-outs named in ANIMALS, in that order (`.cache/tuxpaint/mammals/`)."""
    folder = cache_dir() / "tuxpaint" / "mammals"
    wanted = {f"{animal}.png" for animal in ANIMALS}
    if not all((folder / name).is_file() for name in wanted):
        _unpack(*TUXPAINT, folder, wanted.__contains__)
    return [folder / f"{animal}.png" for animal in ANIMALS]


def _unpack(package: str, prefix: str, dest: Path, keep) -> None:
    """Download `package` and write its files under `prefix` that `keep(relative name)` accepts into `dest`."""
    cache_dir().mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=".fetch-", dir=cache_dir()))
    try:
        deb = _download(package, workdir)
        proc = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, timeout=600)
        if proc.returncode != 0:
            raise SampleSetUnavailable(f"dpkg-deb could not read {deb.name}: {proc.stderr.decode(errors='replace')}")
        staging = workdir / "files"
        with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as archive:
            for member in archive:
                path = member.name.removeprefix("./")
                name = path.removeprefix(prefix)
                if member.isfile() and name != path and keep(name):
                    target = staging / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.extractfile(member).read())
        if not staging.is_dir():
            raise SampleSetUnavailable(f"{deb.name} has none of the expected files under /{prefix}.")
        # Renamed into place whole, so an interrupted fetch never leaves a folder that looks complete.
        shutil.rmtree(dest, ignore_errors=True)
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(dest)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _download(package: str, workdir: Path) -> Path:
    # A .deb already in .cache/debs/ (copied from another machine) saves the download.
    kept = sorted((cache_dir() / "debs").glob(f"{package}_*.deb"))
    if kept:
        return kept[-1]
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise SampleSetUnavailable(
            f"The set needs Debian's {package!r} package and this machine has no apt-get/dpkg-deb: "
            f"copy {package}_*.deb into {cache_dir() / 'debs'}."
        )
    proc = subprocess.run(["apt-get", "download", package], cwd=workdir, capture_output=True, text=True, timeout=900)
    debs = sorted(workdir.glob(f"{package}_*.deb"))
    if proc.returncode != 0 or not debs:
        raise SampleSetUnavailable(
            f"`apt-get download {package}` failed: {proc.stderr.strip()[-500:]} "
            "(run `apt-get update` first on a fresh machine)."
        )
    return debs[0]
