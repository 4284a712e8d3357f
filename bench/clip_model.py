"""A full-size CLIP ViT-B/32 with random weights, saved in sentence-transformers' layout.

The real `clip-ViT-B-32` cannot be downloaded here. Its cost on a CPU depends
on the architecture, not on the weights, so `transformers.CLIPConfig()`
defaults (ViT-B/32 vision tower, 12-layer text tower, 512-d projection) with
random weights give the same FLOPs, memory and load time. The tokenizer uses
the byte-level vocabulary trick of tests/support/tiny_clip.py (the real
tokenizer files are not available either); only images are embedded.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.tiny_clip import build_tiny_clip

MARKER = "bench-complete"


def build_full_clip(folder: Path, seed: int = 0) -> Path:
    """Build (once) and return a folder that `SentenceTransformer(folder)` loads."""
    folder = Path(folder)
    if not (folder / MARKER).is_file():
        build_tiny_clip(folder, seed, full_size=True)
        (folder / MARKER).write_text("ok\n")
    return folder
