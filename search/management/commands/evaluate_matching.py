"""Measure how well the embedding model finds a dog from another photo of it.

    python manage.py evaluate_matching photos/ [--json] [--model efficientnet-lite0] [--recipe all]
    python manage.py evaluate_matching --set darknet|background [--recipe whole,crop+flip]

`photos/` holds one subfolder per dog with two or more photos each. Every photo is a
query against all the others (exact cosine, in memory, independent of the index).
`--set` builds one of the proxy sets from Debian packages instead (search/sample_sets.py):
they show whether an embedding follows the animal or the background, not how well it tells
real shelter dogs apart. With several recipes, one line each, side by side.
"""

from __future__ import annotations

import json
import tempfile
import time
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
from search import evaluation, sample_sets
from search.embeddings import ModelUnavailable, active_model_name, embed_images, get_encoder
from search.embeddings.recipe import RECIPES

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
        parser.add_argument(
            "folder", type=Path, nargs="?", help="A folder with one subfolder per dog, two or more photos each."
        )
        parser.add_argument(
            "--set",
            choices=sample_sets.SETS,
            dest="sample_set",
            help="Build a proxy set from Debian packages instead of reading a folder: 'darknet' (7 scenes, "
            "altered copies) or 'background' (12 animal cut-outs on 4 shared real scenes). Not shelter data.",
        )
        parser.add_argument(
            "--recipe",
            default="",
            help=f"EMBEDDING_RECIPE to evaluate, comma-separated, or 'all' ({', '.join(RECIPES)}); "
            "default: the configured one.",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print one JSON object instead of a table."
        )
        parser.add_argument(
            "--model",
            default="",
            help="Evaluate this model instead of the configured one: 'efficientnet-lite0', 'clip' "
            "(CLIP_MODEL), or a CLIP model name or folder.",
        )

    def handle(
        self, *args, folder: Path | None, sample_set: str | None, as_json: bool, model: str, recipe: str, **options
    ):
        self.show_progress = options["verbosity"] > 0
        if (folder is None) == (sample_set is None):
            raise CommandError("Give either a folder of photos or --set darknet|background.")
        recipes = _recipes(recipe)
        if sample_set is None:
            self._run(folder, model, recipes, as_json)
            return
        with tempfile.TemporaryDirectory(prefix=f"reunite-{sample_set}-") as built:
            try:
                sample_sets.build(sample_set, Path(built))
            except sample_sets.SampleSetUnavailable as exc:
                raise CommandError(str(exc)) from exc
            if not as_json:
                self.stdout.write(f"Set: {sample_set} ({SET_CAVEATS[sample_set]})")
            self._run(Path(built), model, recipes, as_json)

    def _run(self, folder: Path, model: str, recipes: list[str], as_json: bool) -> None:
        photos = self._find_photos(folder)
        results = []
        for recipe in recipes:
            recipe_settings = {"EMBEDDING_RECIPE": recipe} if recipe else {}
            with override_settings(**_model_settings(model), **recipe_settings):
                try:
                    encoder = get_encoder()
                    started = time.perf_counter()
                    vectors, labels = self._embed(photos)
                    seconds = time.perf_counter() - started
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
            ms_per_photo = 1000 * seconds / max(1, len(labels))
            results.append((model_name, encoder.dimension, report, ms_per_photo))
        if as_json:
            rows = [
                {"model": name, "dimension": dim, "ms_per_photo": round(ms, 1), **report.as_dict()}
                for name, dim, report, ms in results
            ]
            self.stdout.write(_dumps(rows[0] if len(rows) == 1 else {"results": rows}))
        elif len(results) == 1:
            self._print_table(*results[0][:3])
        else:
            self._print_comparison(results)

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

    def _print_comparison(self, results: list) -> None:
        out = self.stdout.write
        first = results[0][2]
        out(f"Photos: {first.photos} of {first.dogs} identities, each a query against all the others")
        out("Similarities: median [p25-p75]; EER at its threshold; embedding time per photo in this run")
        header = (
            f"{'model version':<32}{'R@1':>7}{'R@5':>7}{'MRR':>7}  {'same':<22}{'different':<22}{'EER':>12}{'ms':>7}"
        )
        out(header)
        for name, _, report, ms in results:
            out(
                f"{name:<32}{report.recall[1]:>7.3f}{report.recall[5]:>7.3f}{report.mean_reciprocal_rank:>7.3f}  "
                f"{_quartiles(report.same_dog):<22}{_quartiles(report.different_dog):<22}"
                f"{report.equal_error_rate:>5.1%} @{report.threshold:.3f}{ms:>7.1f}"
            )


SET_CAVEATS = {
    "darknet": "7 real scenes, each with 3 altered copies: a small, easy proxy, not shelter photos",
    "background": "12 animal cut-outs on 4 shared real scenes: a proxy for a change of background, "
    "not identity data from shelters",
}


def _recipes(value: str) -> list[str]:
    """The recipes asked for; [""] (the configured one) when none."""
    if not value:
        return [""]
    if value == "all":
        return list(RECIPES)
    recipes = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [recipe for recipe in recipes if recipe not in RECIPES]
    if unknown:
        raise CommandError(f"Unknown recipe(s) {', '.join(unknown)}; use {', '.join(RECIPES)} or 'all'.")
    return recipes


def _model_settings(model: str) -> dict[str, str]:
    if not model:
        return {}
    if model in ("efficientnet-lite0", "clip"):
        return {"EMBEDDING_MODEL": model}
    return {"EMBEDDING_MODEL": "clip", "CLIP_MODEL": model}


def _quartiles(dist: evaluation.Distribution) -> str:
    return f"{dist.median:.3f} [{dist.p25:.3f}-{dist.p75:.3f}]"


def _dumps(data: dict) -> str:
    # NaN is not JSON; an empty distribution reports null instead.
    def clean(value):
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, float) and not np.isfinite(value):
            return None
        return value

    return json.dumps(clean(data), indent=2)
