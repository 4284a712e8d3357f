"""Phone-like JPEGs for the benchmark, made once and cached under .cache/bench/photos/.

Flat synthetic pictures decode much faster than real photos (JPEG decode cost
grows with the number of non-zero DCT coefficients), so each picture mixes a
smooth colour gradient, mid-frequency blobs and per-pixel sensor noise, and is
saved at quality 90 with the EXIF a phone writes (date, orientation). That
lands at about 0.26 byte/pixel (3 MB for 12 megapixels), like a phone photo.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image

QUALITY = 90


@dataclass(frozen=True)
class PhotoSet:
    folder: Path
    paths: list[Path]

    def describe(self) -> str:
        sizes: dict[tuple[int, int], list[int]] = {}
        for path in self.paths:
            sizes.setdefault(_size_of(path), []).append(path.stat().st_size)
        return ", ".join(
            f"{len(b)} x {w}x{h} (mean {np.mean(b) / 1e6:.1f} MB)" for (w, h), b in sorted(sizes.items(), reverse=True)
        )


def _size_of(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def make_photo(seed: int, size: tuple[int, int]) -> bytes:
    """One JPEG of `size` (width, height), quality 90, with phone-like EXIF."""
    width, height = size
    rng = np.random.default_rng(seed)
    # Smooth gradients: a 6x8 random colour field upsampled bicubically.
    base = Image.fromarray(rng.integers(30, 225, (6, 8, 3), dtype=np.uint8)).resize(size, Image.Resampling.BICUBIC)
    # Mid-frequency structure (fur, grass, texture): a coarse noise field upsampled.
    texture = Image.fromarray(rng.integers(0, 256, (height // 24, width // 24, 3), dtype=np.uint8)).resize(
        size, Image.Resampling.BICUBIC
    )
    pixels = np.asarray(base, dtype=np.int16)
    pixels += (np.asarray(texture, dtype=np.int16) - 128) // 3
    # Sensor noise, shared by the three channels like luminance noise.
    pixels += rng.integers(-7, 8, (height, width, 1), dtype=np.int16)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.Base.Make] = "Bench"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2024:05:01 12:00:00"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=QUALITY, exif=exif)
    return buffer.getvalue()


def photo_set(cache: Path, sizes: list[tuple[int, int]], per_size: int) -> PhotoSet:
    """`per_size` distinct photos of each size (alternating sizes in the returned order)."""
    folder = cache / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i in range(per_size):
        for width, height in sizes:
            path = folder / f"q{QUALITY}-{width}x{height}-{i:03d}.jpg"
            if not path.is_file():
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(make_photo(seed=width * 1_000_003 + height * 1009 + i, size=(width, height)))
                tmp.rename(path)
            paths.append(path)
    return PhotoSet(folder, paths)
