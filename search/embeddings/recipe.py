"""EMBEDDING_RECIPE: which views of a photo are embedded and averaged into its one vector.

- `whole`: the photo's centre square, as Reunite always did (no localisation, no extra cost).
- `crop`: the square around the dog the model localises (localise.py); the whole photo when
  it finds none.
- `flip` added to either: a horizontally mirrored copy of each view, averaged in.
- `whole+crop`: the whole photo and the crop, averaged.
- `pool` (EfficientNet-Lite0 only): one pass over the whole photo (shorter side 224, not
  centre-cropped) gives both the dog's box and the feature map; the vector is the map's
  average over the box (over all of it when no dog is found). No second pass, so it costs
  little more than `whole` (BENCHMARKS.md). `pixels` only resizes the photo; the network
  runs in `encode_pixels`, photos of one shape in one batch, and the box comes out with the vector.

An empty EMBEDDING_RECIPE (the default) means the model's own recipe (MODEL_RECIPES). The
recipe is part of the model version stored beside every embedding (`active_model_name()`),
so changing it means `manage.py change_model`, which re-embeds every photo while the old vectors
keep serving. The views are normalised one by one, averaged, and normalised again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from .localise import Localisation, square_around
from .pipeline import DogInPhoto

RECIPES = ("whole", "flip", "crop", "crop+flip", "whole+crop", "whole+crop+flip", "pool")
# The plain model: its stored vectors carry the model's name alone.
DEFAULT_RECIPE = "whole"
# Each model's recipe when EMBEDDING_RECIPE is empty: what the table in the README supports.
# EfficientNet-Lite0: `pool` beats `whole` on the background set (recall@1 0.839 -> 0.891, EER
# 26.2 -> 22.5 %), is no worse on darknet's (recall@1 1.000, EER 0 %) and costs 1.31x per upload.
# CLIP: nothing measured on real weights (none can be fetched here), so it stays whole.
MODEL_RECIPES = {"efficientnet-lite0": "pool"}


def recipe_for(model_kind: str, setting: str) -> str:
    """EMBEDDING_RECIPE, or the model's own default (MODEL_RECIPES) when it is empty."""
    return setting or MODEL_RECIPES.get(model_kind, DEFAULT_RECIPE)


def uses_crop(recipe: str) -> bool:
    return "crop" in recipe.split("+")


class RecipeEncoder:
    """Wraps an encoder: its `pixels` gives a stack of views per photo, `encode_pixels` averages them."""

    def __init__(self, inner, recipe: str) -> None:
        if recipe not in RECIPES:
            raise ValueError(f"unknown recipe {recipe!r}")
        if recipe == "pool" and not hasattr(inner, "pooled_batch"):
            raise ValueError(f"the pool recipe needs EfficientNet-Lite0's feature map, not {inner.name}")
        self.inner, self.recipe = inner, recipe
        parts = recipe.split("+")
        self.whole_view = "whole" in parts or parts == ["flip"]
        self.crop_view, self.flip = "crop" in parts, "flip" in parts
        self.name, self.dimension = inner.name, inner.dimension

    @property
    def precision(self) -> str:
        return self.inner.precision

    @property
    def precision_choice(self):
        return self.inner.precision_choice

    def localise(self, image: Image.Image) -> Localisation:
        return self.inner.localise(image)

    def pixels(self, image: Image.Image):
        """(views, side, side, 3) uint8; runs the localiser (a model pass) when the recipe crops.

        For `pool`, the whole photo at the localiser's size: the model pass comes in `encode_pixels`,
        batched.
        """
        return self._views(image)[0]

    def pixels_and_dog(self, image: Image.Image) -> tuple[np.ndarray, Localisation | None]:
        """`pixels` and where the dog is: the recipe's own localisation when it makes one, else the
        model's; None for `pool`, whose box comes with its vector (`encode_pixels_and_dogs`), and
        for a model whose localiser is not measured (CLIP), even where a crop recipe used it."""
        views, found = self._views(image)
        if not self.inner.measured_localiser:
            return views, None
        if found is None and self.recipe != "pool":
            found = self.localise(image)
        return views, found

    def _views(self, image: Image.Image) -> tuple[np.ndarray, Localisation | None]:
        found = None
        if self.recipe == "pool":
            return self.inner.pool_input(image), None
        views = []
        if self.whole_view:
            views.append(self.inner.pixels(image))
        if self.crop_view:
            found = self.localise(image)
            box = square_around(found.box, image.size) if found.found else None
            views.append(self.inner.pixels(image.crop(box) if box else image))
        if self.flip:
            views += [np.ascontiguousarray(view[:, ::-1]) for view in views]
        return np.stack(views), found

    def encode_pixels(self, pixels: Sequence) -> np.ndarray:
        return self.encode_pixels_and_dogs(pixels)[0]

    def encode_pixels_and_dogs(self, pixels: Sequence) -> tuple[np.ndarray, list[DogInPhoto | None]]:
        """The vectors, and for `pool` where the dog is in each photo (found in the same pass); else Nones."""
        if not len(pixels):
            return np.zeros((0, self.dimension), dtype=np.float32), []
        if self.recipe == "pool":
            pooled = self.inner.pooled_batch(list(pixels))
            vectors = np.stack([vector for vector, _found in pooled]).astype(np.float32)
            dogs = [
                DogInPhoto.from_localisation(found, source.size)
                for (_vector, found), source in zip(pooled, pixels, strict=True)
            ]
            return _unit_rows(vectors), dogs
        return self._averaged(pixels), [None] * len(pixels)

    def _averaged(self, pixels: Sequence[np.ndarray]) -> np.ndarray:
        counts = [len(stack) for stack in pixels]
        flat = self.inner.encode_pixels([view for stack in pixels for view in stack])
        flat = flat / np.maximum(np.linalg.norm(flat, axis=1, keepdims=True), 1e-12)
        rows, start = [], 0
        for count in counts:
            rows.append(flat[start : start + count].mean(axis=0))
            start += count
        return _unit_rows(np.stack(rows))

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        return self.encode_pixels([self.pixels(image) for image in images])


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)).astype(np.float32)
