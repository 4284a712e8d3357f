from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.conf import settings
from PIL import Image

from . import ModelUnavailable, inference_context

OFFLINE_HELP = (
    "Could not load the CLIP model {name!r}: {error}. "
    "On a machine without internet, copy the model folder (for example sentence-transformers/clip-ViT-B-32, "
    "downloaded on another machine with `huggingface-cli download sentence-transformers/clip-ViT-B-32 "
    "--local-dir clip-ViT-B-32`) here and set CLIP_MODEL to that folder's path, or set "
    "EMBEDDING_MODEL=efficientnet-lite0 to use the model bundled with Reunite. "
    "Photos are still saved and will be indexed once the model loads (python manage.py sync_index)."
)


class ClipEncoder:
    def __init__(self, model_name_or_path: str, *, precision: str = "float32") -> None:
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(model_name_or_path, device="cpu")
        except Exception as exc:
            raise ModelUnavailable(OFFLINE_HELP.format(name=model_name_or_path, error=exc)) from exc
        self.name = model_name_or_path
        self.precision = precision
        self._batch_size = settings.EMBEDDING_BATCH_SIZE
        self.dimension = int(self.encode_images([Image.new("RGB", (32, 32))]).shape[1])

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        with inference_context(self.precision):
            vectors = self._model.encode(
                list(images),
                batch_size=self._batch_size,
                convert_to_tensor=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        # Under bfloat16 autocast the output is bfloat16, which numpy cannot hold.
        return vectors.float().numpy()
