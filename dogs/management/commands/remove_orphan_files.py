"""Find stored files that no row refers to (left by a crash between writing a file and committing its row).

    manage.py remove_orphan_files --dry-run    # list them
    manage.py remove_orphan_files              # delete them

Every FileField of every installed model counts, so claims' photos and thumbnails are kept
as long as their rows exist. Files younger than --min-age-minutes are left alone: their
upload may still be committing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db.models import FileField
from django.utils import timezone


def referenced_names() -> set[str]:
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField):
                names.update(model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True))
    names.discard(None)
    return names


def stored_names(folder: str = "") -> Iterator[str]:
    directories, files = default_storage.listdir(folder)
    for name in files:
        yield f"{folder}{name}"
    for directory in directories:
        yield from stored_names(f"{folder}{directory}/")


class Command(BaseCommand):
    help = "Delete stored photo files that no database row refers to (--dry-run lists them)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List the files, delete nothing.")
        parser.add_argument("--min-age-minutes", type=int, default=60, help="Leave younger files alone.")

    def handle(self, *args, dry_run: bool, min_age_minutes: int, **options) -> None:
        keep = referenced_names()
        cutoff = timezone.now() - timedelta(minutes=min_age_minutes)
        orphans = [
            name for name in stored_names() if name not in keep and default_storage.get_modified_time(name) < cutoff
        ]
        for name in orphans:
            self.stdout.write(f"{'Would delete' if dry_run else 'Deleting'} {name}")
            if not dry_run:
                default_storage.delete(name)
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(self.style.SUCCESS(f"{len(orphans)} file(s) without a row {verb}; {len(keep)} in use."))
