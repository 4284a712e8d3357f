"""Measure how well the embedding model finds a dog from another photo of it.

    python manage.py evaluate_matching photos/ [--json] [--model efficientnet-lite0]

`photos/` holds one subfolder per dog with two or more photos each. Every photo is a
query against all the others (exact cosine, in memory, independent of the index).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings
from PIL import Image
from tqdm import tqdm

from dogs.photos import EMBEDDING_DRAFT_SIZE, open_checked_photo
from search import evaluation
from search.embeddings import ModelUnavailable, active_model_name, embed_images, get_encoder

MIN_PHOTOS_PER_DOG = 2
MIN_DOGS = 2


@dataclass
class Photo:
    dog: str
    path: Path


class Command(BaseCommand):
    help = (
        "Measure matching quality on a folder with one subfolder of photos per dog: recall@1/5/10, "
        "mean reciprocal rank, similarity distributions and a suggested 'no likely match' threshold."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path, help="A folder with one subfolder per dog, two or more photos each.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print one JSON object instead of a table."
        )
        parser.add_argument(
            "--model",
            default="",
            help="Evaluate this model instead of the configured one: 'efficientnet-lite0', 'clip' "
            "(CLIP_MODEL), or a CLIP model name or folder.",
        )

    def handle(self, *args, folder: Path, as_json: bool, model: str, **options) -> None:
        self.show_progress = options["verbosity"] > 0
        with override_settings(**_model_settings(model)):
            photos = self._find_photos(folder)
            try:
                encoder = get_encoder()
                vectors, labels = self._embed(photos)
            except ModelUnavailable as exc:
                raise CommandError(exc.detail) from exc
            model_name = active_model_name()
        vectors, labels = self._drop_dogs_with_too_few(vectors, labels)
        if len(set(labels)) < MIN_DOGS:
            raise CommandError(
                f"Only {len(set(labels))} dog(s) with {MIN_PHOTOS_PER_DOG} or more readable photos; "
                f"need at least {MIN_DOGS} to measure anything."
            )
        report = evaluation.evaluate(vectors, labels)
        if as_json:
            self.stdout.write(_dumps({"model": model_name, "dimension": encoder.dimension, **report.as_dict()}))
        else:
            self._print_table(model_name, encoder.dimension, report)

    # -- reading ---------------------------------------------------------------------

    def _find_photos(self, folder: Path) -> list[Photo]:
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        dog_folders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
        loose = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
        if loose:
            self._warn(
                f"Ignoring {len(loose)} file(s) directly in {folder}: each dog's photos go in their own subfolder."
            )
        if len(dog_folders) < MIN_DOGS:
            raise CommandError(
                f"{folder} has {len(dog_folders)} dog folder(s); need at least {MIN_DOGS} "
                f"(one subfolder per dog, {MIN_PHOTOS_PER_DOG} or more photos each)."
            )
        photos = []
        for dog_folder in dog_folders:
            files = sorted(p for p in dog_folder.iterdir() if p.is_file() and not p.name.startswith("."))
            if len(files) < MIN_PHOTOS_PER_DOG:
                self._warn(f"Skipping {dog_folder.name}: {len(files)} photo(s), need {MIN_PHOTOS_PER_DOG}.")
                continue
            photos.extend(Photo(dog_folder.name, path) for path in files)
        return photos

    def _embed(self, photos: list[Photo]) -> tuple[np.ndarray, list[str]]:
        """Embed in batches, so a large set never holds more than one batch of decoded photos."""
        batch_size = max(1, settings.EMBEDDING_BATCH_SIZE)
        chunks, labels = [], []
        with tqdm(total=len(photos), desc="Embedding", unit="photo", disable=not self.show_progress) as bar:
            for start in range(0, len(photos), batch_size):
                batch = photos[start : start + batch_size]
                images = []
                for photo in batch:
                    image = self._open(photo)
                    if image is not None:
                        images.append(image)
                        labels.append(photo.dog)
                if images:
                    chunks.append(embed_images(images))
                bar.update(len(batch))
        dimension = get_encoder().dimension
        return (np.concatenate(chunks) if chunks else np.zeros((0, dimension), dtype=np.float32)), labels

    def _open(self, photo: Photo) -> Image.Image | None:
        # The same checks and decoding as an upload, so EXIF turns and odd formats match production.
        try:
            with photo.path.open("rb") as handle:
                return open_checked_photo(handle, draft_to=EMBEDDING_DRAFT_SIZE).image
        except ValidationError as exc:
            self._warn(f"Skipping {photo.dog}/{photo.path.name}: {' '.join(exc.messages)}")
        except OSError as exc:
            self._warn(f"Skipping {photo.dog}/{photo.path.name}: {exc.strerror or exc}")
        return None

    def _drop_dogs_with_too_few(self, vectors: np.ndarray, labels: list[str]) -> tuple[np.ndarray, list[str]]:
        counts: dict[str, int] = {}
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
        too_few = {dog for dog, count in counts.items() if count < MIN_PHOTOS_PER_DOG}
        for dog in sorted(too_few):
            self._warn(f"Skipping {dog}: only {counts[dog]} readable photo(s), need {MIN_PHOTOS_PER_DOG}.")
        keep = [i for i, label in enumerate(labels) if label not in too_few]
        return vectors[keep], [labels[i] for i in keep]

    # -- output ------------------------------------------------------------------------

    def _warn(self, message: str) -> None:
        self.stderr.write(self.style.WARNING(message))

    def _print_table(self, model: str, dimension: int, report: evaluation.MatchingReport) -> None:
        out = self.stdout.write
        out(f"Model: {model} ({dimension} dimensions)")
        out(f"Photos: {report.photos} of {report.dogs} dogs, each a query against all the others")
        for k, value in report.recall.items():
            out(f"Recall@{k:<3} {value:6.3f}")
        out(f"Mean reciprocal rank: {report.mean_reciprocal_rank:.3f}")
        out("")
        columns = ("min", "p5", "p25", "median", "p75", "p95", "max")
        out(f"{'Cosine similarity':<18}{'pairs':>8}" + "".join(f"{c:>8}" for c in columns))
        for title, dist in (("same dog", report.same_dog), ("different dogs", report.different_dog)):
            out(f"{title:<18}{dist.count:>8}" + "".join(f"{getattr(dist, c):>8.3f}" for c in columns))
        out("")
        out(
            f"Equal error rate {report.equal_error_rate:.1%} at {report.threshold:.3f}: about that share of "
            "different-dog pairs score above it, and the same share of same-dog pairs below it."
        )
        out("Suggested match labels (README, Match labels):")
        out(f"  likely   at or above {report.likely_threshold:.3f}  (at most 1% of different-dog pairs reach it)")
        out(f"  possible at or above {report.possible_threshold:.3f}  (95% of same-dog pairs score at least this)")
        out(
            f"  As settings: MATCH_THRESHOLD={report.likely_threshold:.3f} "
            f"MATCH_POSSIBLE_THRESHOLD={report.possible_threshold:.3f}"
        )


def _model_settings(model: str) -> dict[str, str]:
    if not model:
        return {}
    if model in ("efficientnet-lite0", "clip"):
        return {"EMBEDDING_MODEL": model}
    return {"EMBEDDING_MODEL": "clip", "CLIP_MODEL": model}


def _dumps(data: dict) -> str:
    # NaN is not JSON; an empty distribution reports null instead.
    def clean(value):
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, float) and not np.isfinite(value):
            return None
        return value

    return json.dumps(clean(data), indent=2)
