"""Where the dog is in a photo, from the embedding model itself (no detector to download).

A whole-photo embedding describes the background as much as the dog. Both models can say
where they see a dog:

- EfficientNet-Lite0: class activation (Zhou et al., 2016). The classifier is linear on the
  average of the last feature map, so its weights for the ImageNet dog classes (151-268),
  applied at each cell of that map, say how much each part of the photo speaks for "dog".
  The photo is seen whole (shorter side 224, not the embedding's centre crop), so a dog at
  the edge is still found. Each cell's own dog probability decides whether there is a dog.
- CLIP: cosine of each patch token (through the final layer norm and projection) with the
  text embedding of "a photo of a dog". Uncalibrated: no CLIP weights could be fetched to
  measure it, and the tiny random test CLIP only shows that it runs.

The map is upsampled, thresholded at a share of its peak, and the region's box widened by a
margin. When the evidence is weak the photo stays whole and the result says so
(`found=False`, `box` the whole photo).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

# A photo holds a dog when some cell of the map is at least this sure of it: darknet's dog.jpg
# 1.00, dog cut-outs on real scenes median 1.00; giraffe.jpg 0.53, horses.jpg 0.51, kite.jpg 0.20.
EFFICIENTNET_MIN_DOG_PROBABILITY = 0.6
# ImageNet's dog breeds, Chihuahua (151) to Mexican hairless (268).
DOG_CLASSES = slice(151, 269)
# CLIP: the best patch must stand this far above the median patch (not measured: no weights here).
CLIP_MIN_CONTRAST = 0.05
CLIP_PROMPT = "a photo of a dog"
# The region is where the map reaches this share of its peak; the box is widened by MARGIN of its size.
# Chosen on darknet's dog.jpg and the background set's dogs (IoU 0.59 on dog.jpg; 0.5 gave 0.46).
REGION_SHARE = 0.7
MARGIN = 0.1
# The map is upsampled to a grid of this many photo pixels per cell before thresholding.
UPSAMPLE_STEP = 4


@dataclass(frozen=True)
class Localisation:
    """A box (left, top, right, bottom) in the photo's pixels; the whole photo when no dog was found."""

    box: tuple[int, int, int, int]
    found: bool
    score: float  # the evidence the decision was taken on (dog probability, or CLIP contrast)

    def as_dict(self) -> dict:
        return {"box": list(self.box), "found": self.found, "score": round(self.score, 4)}

    def relative_box(self, size: tuple[int, int]) -> list[float] | None:
        """The box as shares (0-1) of a photo of `size`, so it fits any rendition of it; None when no dog."""
        if not self.found:
            return None
        width, height = size
        left, top, right, bottom = self.box
        return [round(left / width, 4), round(top / height, 4), round(right / width, 4), round(bottom / height, 4)]


@dataclass(frozen=True)
class LocaliserInput:
    """A photo as EfficientNet's localiser takes it: (rows, cols, 3) uint8 pixels, and the photo's own size."""

    pixels: np.ndarray
    size: tuple[int, int]


def whole(image: Image.Image, score: float = 0.0) -> Localisation:
    return Localisation((0, 0, *image.size), False, score)


def box_from_map(heat: np.ndarray, size: tuple[int, int], region: tuple[float, float, float, float] | None = None):
    """The box around where `heat` (rows x cols over `region` of a photo of `size`) reaches REGION_SHARE of its peak."""
    import torch
    import torch.nn.functional as F

    width, height = size
    left, top, right, bottom = region or (0.0, 0.0, float(width), float(height))
    cols, rows = max(1, round((right - left) / UPSAMPLE_STEP)), max(1, round((bottom - top) / UPSAMPLE_STEP))
    grid = torch.from_numpy(np.asarray(heat, dtype=np.float32))[None, None]
    fine = F.interpolate(grid, size=(rows, cols), mode="bilinear", align_corners=False)[0, 0].numpy()
    fine = fine - fine.min()
    ys, xs = np.nonzero(fine >= REGION_SHARE * fine.max())
    if not len(xs):
        return (0, 0, width, height)
    cell_w, cell_h = (right - left) / cols, (bottom - top) / rows
    x0, x1 = left + xs.min() * cell_w, left + (xs.max() + 1) * cell_w
    y0, y1 = top + ys.min() * cell_h, top + (ys.max() + 1) * cell_h
    dx, dy = (x1 - x0) * MARGIN, (y1 - y0) * MARGIN
    return (
        max(0, round(x0 - dx)),
        max(0, round(y0 - dy)),
        min(width, round(x1 + dx)),
        min(height, round(y1 + dy)),
    )


def square_around(box: tuple[int, int, int, int], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The box grown to a square inside the photo (as far as the photo allows), same centre where possible.

    The models see a square: a tall box would otherwise lose the dog's head and paws to the centre crop.
    """
    width, height = size
    left, top, right, bottom = box
    side = min(max(right - left, bottom - top), width, height)
    cx, cy = (left + right) / 2, (top + bottom) / 2
    x = min(max(0, round(cx - side / 2)), width - side)
    y = min(max(0, round(cy - side / 2)), height - side)
    return (x, y, x + side, y + side)


class EfficientNetLocaliser:
    """Class activation over the dog classes, from the final conv features and the classifier's weights."""

    side = 224

    def __init__(self, model, pixel_mean: float, pixel_std: float, *, precision: str = "float32") -> None:
        self.model = model
        self.bfloat16 = precision == "bfloat16"  # the precision the embeddings are computed in
        self.weights = model._fc.weight.detach().float()
        self.bias = model._fc.bias.detach().float()
        self.mean, self.std = pixel_mean, pixel_std

    def __call__(self, image: Image.Image) -> Localisation:
        return self.look(image)[0]

    def pooled_batch(self, inputs: list[LocaliserInput]) -> list[tuple[np.ndarray, Localisation]]:
        """For each input: the feature map averaged over the dog's box (over all of it when no dog
        is found), and the box.

        The `pool` recipe's embedding: one pass at the localiser's size gives both the box and
        the vector, instead of a second pass over a crop.
        """
        pooled = []
        for (found, features), source in zip(self.look_batch(inputs), inputs, strict=True):
            _, rows, cols = features.shape
            width, height = source.size
            left, top, right, bottom = found.box
            c0, r0 = min(cols - 1, int(left / width * cols)), min(rows - 1, int(top / height * rows))
            c1, r1 = max(c0 + 1, math.ceil(right / width * cols)), max(r0 + 1, math.ceil(bottom / height * rows))
            pooled.append((features[:, r0:r1, c0:c1].mean(axis=(1, 2)), found))
        return pooled

    def input_for(self, image: Image.Image) -> LocaliserInput:
        """The whole photo at the localiser's size (shorter side 224, sides rounded to the network's
        stride of 32), as uint8; cheap, and safe to make in a decode thread."""
        width, height = image.size
        scale = self.side / min(width, height)
        input_w, input_h = (max(32, round(side * scale / 32) * 32) for side in (width, height))
        rgb = image.convert("RGB") if image.mode != "RGB" else image
        return LocaliserInput(np.asarray(rgb.resize((input_w, input_h), Image.Resampling.BICUBIC)), image.size)

    def look(self, image: Image.Image) -> tuple[Localisation, np.ndarray]:
        """(where the dog is, the (1280, rows, cols) float32 feature map of the whole photo)."""
        return self.look_batch([self.input_for(image)])[0]

    def look_batch(self, inputs: list[LocaliserInput]) -> list[tuple[Localisation, np.ndarray]]:
        """`look` for many photos: those whose inputs have the same shape go through the network together."""
        import torch

        by_shape: dict[tuple, list[int]] = {}
        for number, source in enumerate(inputs):
            by_shape.setdefault(source.pixels.shape, []).append(number)
        maps: dict[int, torch.Tensor] = {}
        for numbers in by_shape.values():
            stacked = np.stack([inputs[number].pixels for number in numbers]).astype(np.float32)
            tensor = torch.from_numpy((stacked - self.mean) / self.std).permute(0, 3, 1, 2)
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bfloat16):
                features = self.model.extract_features(tensor.contiguous(memory_format=torch.channels_last))
            maps.update(zip(numbers, features.float(), strict=True))
        return [self._found(maps[number], source.size) for number, source in enumerate(inputs)]

    def _found(self, features, size: tuple[int, int]) -> tuple[Localisation, np.ndarray]:
        import torch

        with torch.inference_mode():
            dog_weights = self.weights[DOG_CLASSES]
            # Each cell's own class probabilities: how sure the classifier would be of a dog there.
            cells = torch.einsum("kc,chw->khw", self.weights, features) + self.bias[:, None, None]
            cell_dog = cells.softmax(0)[DOG_CLASSES].sum(0)
            # The activation map, each dog class weighted by its probability for the whole photo.
            dog_probs = (self.weights @ features.mean((1, 2)) + self.bias).softmax(0)[DOG_CLASSES]
            heat = torch.einsum("k,kc,chw->hw", dog_probs / dog_probs.sum(), dog_weights, features)
        peak = float(cell_dog.max())
        if peak < EFFICIENTNET_MIN_DOG_PROBABILITY:
            return Localisation((0, 0, *size), False, peak), features.numpy()
        return Localisation(box_from_map(heat.numpy(), size), True, peak), features.numpy()


class ClipLocaliser:
    """Similarity of CLIP's patch tokens to the text embedding of CLIP_PROMPT, over the model's centre crop."""

    def __init__(self, vision_model, projection, text_embedding: np.ndarray, square_input) -> None:
        import torch

        self.vision_model, self.projection, self.input = vision_model, projection, square_input
        text = torch.from_numpy(np.asarray(text_embedding, dtype=np.float32))
        self.text = text / text.norm().clamp_min(1e-12)

    def __call__(self, image: Image.Image) -> Localisation:
        import torch

        rgb = image.convert("RGB") if image.mode != "RGB" else image
        batch = self.input.batch([self.input.pixels(rgb)])
        with torch.inference_mode():
            hidden = self.vision_model(pixel_values=batch).last_hidden_state[0, 1:]  # patches, without CLS
            patches = self.projection(self.vision_model.post_layernorm(hidden)).float()
            scores = torch.nn.functional.normalize(patches, dim=1) @ self.text
        side = round(len(scores) ** 0.5)
        if side * side != len(scores):
            return whole(image)
        contrast = float(scores.max() - scores.median())
        if contrast < CLIP_MIN_CONTRAST:
            return whole(image, contrast)
        heat = scores.reshape(side, side).numpy()
        return Localisation(box_from_map(heat, image.size, self.input.crop_box(*image.size)), True, contrast)
