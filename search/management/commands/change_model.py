from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dogs.models import DogPhoto
from search.backends.base import IndexUnavailable
from search.embeddings import ModelUnavailable, active_model_name, get_encoder
from search.maintenance import change_model


class Command(BaseCommand):
    help = (
        "Re-embed every photo with the configured model (EMBEDDING_MODEL / CLIP_MODEL) and rebuild the index "
        "behind its alias; search keeps using the old model until the switch."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=settings.EMBEDDING_BATCH_SIZE * 4)
        parser.add_argument("--dry-run", action="store_true", help="Load the model and count photos only.")

    def handle(self, *args, batch_size: int, dry_run: bool, **options) -> None:
        try:
            encoder = get_encoder()
        except ModelUnavailable as exc:
            raise CommandError(exc.detail) from exc
        total = DogPhoto.objects.count()
        self.stdout.write(f"Model: {active_model_name()} ({encoder.dimension} dimensions); {total} photos.")
        if dry_run:
            return
        try:
            with tqdm(total=total, desc="Re-embedding", unit="photo", disable=options["verbosity"] == 0) as bar:
                result = change_model(batch_size, progress=bar.update)
        except IndexUnavailable as exc:
            raise CommandError(f"{exc} Nothing was switched; the old model keeps serving.") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Switched {result.embedded} photos to {result.model}; index holds {result.indexed}.")
        )
        if result.failed:
            self.stderr.write(f"Could not read {len(result.failed)} photo file(s): {result.failed[:20]}")
        if result.changed_meanwhile:
            self.stdout.write(
                f"{result.changed_meanwhile} photo(s) changed meanwhile; the background worker re-syncs them."
            )
        self.stdout.write("Now restart the app with the same EMBEDDING_MODEL / CLIP_MODEL.")
