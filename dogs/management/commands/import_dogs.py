"""Import dogs in the original blog's seed format.

    {"dogs": [{"dog_id": "...", "image_path": "...", "breed": "...", "owner_name": "..."}]}

Images are read from DIR/<dog_id>.png (or DIR/<basename of image_path>). Owners
are created by name. Re-running updates dogs instead of duplicating them, and a
dog that already has photos gets no second copy.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dogs.forms import check_upload
from dogs.models import Dog, Owner
from dogs.services import add_photos_to_dogs


class Command(BaseCommand):
    help = "Import dogs from a seed JSON file with their photos; the background worker embeds and indexes them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--images", type=Path, required=True, help="Folder holding <dog_id>.png files.")
        parser.add_argument("--batch-size", type=int, default=32)
        parser.add_argument("--dry-run", action="store_true", help="Check the file and images, change nothing.")

    def handle(self, *args, file: Path, images: Path, batch_size: int, dry_run: bool, **options) -> None:
        file, images = Path(file), Path(images)
        entries = self._read(file)
        if not images.is_dir():
            raise CommandError(f"Image folder {images} does not exist.")
        created = updated = photos = 0
        problems: list[str] = []
        batch: list[tuple[Dog, Path]] = []
        for entry in tqdm(entries, desc="Importing dogs", unit="dog", disable=options["verbosity"] == 0):
            dog_id = str(entry["dog_id"])
            image = self._image_path(images, entry)
            if image is None:
                problems.append(f"{dog_id}: no image found in {images}")
            if dry_run:
                continue
            owner, _ = Owner.objects.get_or_create(name=entry.get("owner_name") or "Unknown owner", user=None)
            dog, was_created = Dog.objects.update_or_create(
                external_id=dog_id,
                defaults={"name": entry.get("name") or dog_id, "breed": entry.get("breed", ""), "owner": owner},
            )
            created += was_created
            updated += not was_created
            if image is not None and not dog.photos.exists():
                batch.append((dog, image))
            if len(batch) >= batch_size:
                photos += self._import_photos(batch, problems)
                batch = []
        photos += self._import_photos(batch, problems)
        for problem in problems:
            self.stderr.write(problem)
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} {len(entries)} dogs: {created} new, {updated} updated, {photos} photos.")
        )
        if photos:
            self.stdout.write("The background worker embeds and indexes the photos (run_worker --until-idle waits).")

    def _read(self, file: Path) -> list[dict]:
        try:
            data = json.loads(file.read_text())
            entries = data["dogs"]
            for entry in entries:
                entry["dog_id"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{file} is not a seed file with a 'dogs' list of objects with 'dog_id': {exc}") from exc
        return entries

    def _image_path(self, folder: Path, entry: dict) -> Path | None:
        candidates = [folder / f"{entry['dog_id']}.png"]
        if entry.get("image_path"):
            candidates.append(folder / Path(entry["image_path"]).name)
        return next((path for path in candidates if path.is_file()), None)

    def _import_photos(self, batch: list[tuple[Dog, Path]], problems: list[str]) -> int:
        items, handles = [], []
        try:
            for dog, path in batch:
                handle = path.open("rb")
                handles.append(handle)
                try:
                    items.append((dog, check_upload(File(handle, name=path.name))))
                except ValidationError as exc:
                    problems.append(f"{dog.external_id}: {path.name}: {' '.join(exc.messages)}")
            return len(add_photos_to_dogs(items))
        finally:
            for handle in handles:
                handle.close()
