"""What both encoders share: pixels in, batches through the chosen precision, unit vectors out."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image

from . import precision as precisions
from .localise import Localisation, whole
from .pixels import SquareInput

# A batch of normalised pixels in, (n, d) float32 features out, in inference mode.
Forward = Callable[["torch.Tensor"], "torch.Tensor"]  # noqa: F821 - torch is imported lazily

# The precision choice runs each way on this many made-up photos.
PRECISION_SAMPLE = 8


class SquareImageEncoder:
    """Subclasses set name, dimension, input and call `settle_precision` with their forwards."""

    name: str
    dimension: int
    input: SquareInput
    batch_size: int
    precision_choice: precisions.PrecisionChoice
    _forward: Forward
    # Finds the dog (localise.py); None for a model that cannot.
    _localiser: Callable[[Image.Image], Localisation] | None = None
    # Whether its boxes were checked on real photos, so that stored photos get one (pixels_and_dog).
    measured_localiser = False

    @property
    def precision(self) -> str:
        return self.precision_choice.precision

    def pixels(self, image: Image.Image) -> np.ndarray:
        """One upright photo as the model's uint8 input; cheap, and safe to call from a decode thread."""
        return self.input.pixels(image)

    def pixels_and_dog(self, image: Image.Image) -> tuple[np.ndarray, Localisation | None]:
        """The model's input and where the dog is: a second, localising pass, made only by a model whose
        localiser is measured (`measured_localiser`); None for the others (recipes that localise anyway
        share theirs)."""
        return self.pixels(image), self.localise(image) if self.measured_localiser else None

    def encode_pixels(self, pixels: Sequence[np.ndarray]) -> np.ndarray:
        """(n, d) float32, L2-normalised rows, in batches of `batch_size`."""
        import torch

        if not len(pixels):
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows = []
        with torch.inference_mode():
            for start in range(0, len(pixels), self.batch_size):
                features = self._forward(self.input.batch(pixels[start : start + self.batch_size]))
                rows.append(torch.nn.functional.normalize(features.float(), dim=1).numpy())
        return np.concatenate(rows)

    def encode_pixels_and_dogs(self, pixels: Sequence[np.ndarray]) -> tuple[np.ndarray, list[None]]:
        """`encode_pixels`, and where the dog is where the pass itself finds it: never, here (see recipe.py)."""
        return self.encode_pixels(pixels), [None] * len(pixels)

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """(n, d) float32, L2-normalised rows; images must already be upright."""
        return self.encode_pixels([self.pixels(image) for image in images])

    def localise(self, image: Image.Image) -> Localisation:
        """Where the model sees a dog in an upright photo; the whole photo, found=False, when it sees none."""
        return self._localiser(image) if self._localiser is not None else whole(image)

    def settle_precision(self, setting: str, model_id: str, build: Callable[[str], Forward]) -> None:
        """Choose the precision (EMBEDDING_PRECISION, measured for "auto") and keep only that forward."""
        import torch

        if setting != "auto":
            self.precision_choice = precisions.PrecisionChoice(setting, "setting")
            self._forward = build(setting)
            return
        built: dict[str, Forward] = {}

        def measure_now() -> precisions.PrecisionChoice:
            sample = self.input.batch(made_up_photos(self.input.crop))
            for name in ("float32", "bfloat16"):
                built[name] = build(name)
            return precisions.measure({name: _runner(forward, sample) for name, forward in built.items()})

        key = precisions.machine_key(model_id, torch.get_num_threads())
        self.precision_choice = precisions.choose(key, measure_now)
        self._forward = built.get(self.precision) or build(self.precision)


def _runner(forward: Forward, sample) -> Callable[[], np.ndarray]:
    import torch

    def run() -> np.ndarray:
        with torch.inference_mode():
            return forward(sample).float().numpy()

    return run


def made_up_photos(side: int) -> list[np.ndarray]:
    """Smooth colour fields with texture and noise: different enough to tell the precisions apart."""
    rng = np.random.default_rng(0)
    photos = []
    for _ in range(PRECISION_SAMPLE):
        field = Image.fromarray(rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)).resize((side, side))
        noise = rng.integers(-24, 25, (side, side, 3))
        photos.append(np.clip(np.asarray(field, dtype=np.int16) + noise, 0, 255).astype(np.uint8))
    return photos
