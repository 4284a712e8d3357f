"""manage.py download_model: fetch the configured embedding model ahead of time and check it."""

from __future__ import annotations

import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from PIL import Image

from search import embeddings


class Command(BaseCommand):
    help = (
        "Download the configured embedding model (EMBEDDING_MODEL / CLIP_MODEL) unless it is on disk, then load it "
        "the way the app does, embed a test picture and, with EMBEDDING_PRECISION=auto, measure and cache the "
        "precision. The app itself never downloads: run this at every deploy. Exits with status 1 on failure."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only say whether the model must be downloaded; load nothing."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        self.stdout.write(f"Model: {embeddings.active_model_name()}")
        try:
            self.stdout.write(embeddings.download_model(dry_run=dry_run))
            if dry_run:
                return
            started = time.monotonic()
            embeddings.reset()  # load from disk now, as a worker will, whatever this process did before
            encoder = embeddings.get_encoder()
            vector = embeddings.embed_image(Image.new("RGB", (256, 192), (180, 120, 60)))
        except embeddings.ModelUnavailable as exc:
            raise CommandError(exc.detail) from exc
        if vector.shape != (encoder.dimension,) or not np.isfinite(vector).all():
            raise CommandError(f"The model loaded but its test embedding is broken: shape {vector.shape}.")
        self.stdout.write(
            f"Loaded from disk and checked in {time.monotonic() - started:.1f} s: {encoder.dimension} dimensions, "
            f"precision {encoder.precision_choice.describe()}."
        )
        self.stdout.write(self.style.SUCCESS("The model is ready."))
