"""A photo as the model's input tensor, in one Pillow resize and one torch operation.

Both encoders take a square crop of the photo: the shorter side scaled to the model's
size and the centre kept (what CLIP's image processor does with `shortest_edge` and
`crop_size`, and what EfficientNet was trained on). Scaling and cropping are one
`Image.resize(box=...)` that computes only the pixels kept, instead of resizing the whole
photo, converting it to a float array and cropping that, as `CLIPImageProcessor` does:
about 3.5 ms instead of 12.6 ms per draft-decoded phone photo (BENCHMARKS.md). The box
is the processor's own crop, mapped back onto the photo, so the pixels match its output
(`search/tests/test_pixels.py` compares them on real photos).

The uint8 pixels are made per photo (cheap, and safe in a decode thread); a batch
becomes one normalised float tensor in a single multiply-add.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

# Pillow first averages whole blocks of pixels when the scale exceeds this gap, then
# resamples: indistinguishable from resampling alone, and much faster on photos that
# were not draft-decoded (PNG, or JPEGs decoded in full).
REDUCING_GAP = 3.0


@dataclass(frozen=True)
class SquareInput:
    """Scale the shorter side to `resize_to`, keep the centre `crop` square, then `pixel * scale - shift`."""

    resize_to: int
    crop: int
    scale: tuple[float, float, float]
    shift: tuple[float, float, float]
    resample: Image.Resampling = Image.Resampling.BICUBIC

    @classmethod
    def from_mean_std(cls, resize_to: int, crop: int, mean, std, *, rescale: float, **kwargs) -> SquareInput:
        """(pixel * rescale - mean) / std, written as one multiply and one subtraction."""
        scale = tuple(float(rescale / s) for s in std)
        shift = tuple(float(m / s) for m, s in zip(mean, std, strict=True))
        return cls(resize_to=resize_to, crop=crop, scale=scale, shift=shift, **kwargs)

    def crop_box(self, width: int, height: int) -> tuple[float, float, float, float]:
        """The processor's centre crop, in the photo's own coordinates."""
        # Sized as transformers sizes it: the shorter side exactly resize_to, the longer truncated.
        resized_long = int(self.resize_to * max(width, height) / min(width, height))
        resized_width, resized_height = (
            (self.resize_to, resized_long) if width <= height else (resized_long, self.resize_to)
        )
        # Its centre crop rounds the offset down.
        left = (resized_width - self.crop) // 2 * width / resized_width
        top = (resized_height - self.crop) // 2 * height / resized_height
        return (left, top, left + self.crop * width / resized_width, top + self.crop * height / resized_height)

    def pixels(self, image: Image.Image) -> np.ndarray:
        """(crop, crop, 3) uint8: the model's view of one upright photo."""
        if image.mode != "RGB":
            image = image.convert("RGB")
        box = self.crop_box(*image.size)
        square = image.resize((self.crop, self.crop), self.resample, box=box, reducing_gap=REDUCING_GAP)
        return np.asarray(square, dtype=np.uint8)

    def batch(self, pixels: Sequence[np.ndarray]):
        """(n, 3, crop, crop) float32 torch tensor, normalised, contiguous."""
        import torch

        stacked = torch.from_numpy(np.stack(pixels)).permute(0, 3, 1, 2)
        scale = torch.tensor(self.scale, dtype=torch.float32).view(1, 3, 1, 1)
        shift = torch.tensor(self.shift, dtype=torch.float32).view(1, 3, 1, 1)
        out = torch.empty(stacked.shape, dtype=torch.float32)
        torch.mul(stacked, scale, out=out)
        return out.sub_(shift)
