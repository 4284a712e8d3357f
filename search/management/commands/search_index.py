from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search.backends.base import IndexUnavailable
from search.documents import indexable_photos
from search.embeddings import active_model_name
from search.index import backend_path, get_index
from search.maintenance import check_index, model_dimension, rebuild_index


class Command(BaseCommand):
    help = "Create, delete, rebuild or check the vector index."

    def add_arguments(self, parser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--create", action="store_true", help="Create the index if it does not exist.")
        action.add_argument("--delete", action="store_true", help="Delete the index (the database keeps everything).")
        action.add_argument(
            "--rebuild", action="store_true", help="Rebuild from the database behind the alias, without downtime."
        )
        action.add_argument("--check", action="store_true", help="Compare the database and the index; exit 1 on drift.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen, change nothing.")

    def handle(self, *args, create: bool, delete: bool, rebuild: bool, check: bool, dry_run: bool, **options):
        self.stdout.write(f"Backend: {backend_path()}; model: {active_model_name()}")
        try:
            if create:
                self._create(dry_run)
            elif delete:
                self._delete(dry_run)
            elif rebuild:
                self._rebuild(dry_run, options["verbosity"])
            else:
                self._check()
        except IndexUnavailable as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, dry_run: bool) -> None:
        if not dry_run:
            get_index().ensure(model_dimension(active_model_name()))
        self.stdout.write(self.style.SUCCESS("Index ready." if not dry_run else "Would create the index."))

    def _delete(self, dry_run: bool) -> None:
        if not dry_run:
            get_index().drop()
        self.stdout.write("Would delete the index." if dry_run else "Index deleted. Rebuild it with --rebuild.")

    def _rebuild(self, dry_run: bool, verbosity: int) -> None:
        total = indexable_photos(active_model_name()).count()
        if dry_run:
            self.stdout.write(f"Would index {total} photos.")
            return
        with tqdm(total=total, desc="Rebuilding index", unit="photo", disable=verbosity == 0) as bar:
            count = rebuild_index(progress=bar.update)
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the index with {count} photos."))

    def _check(self) -> None:
        result = check_index()
        self.stdout.write(f"Database: {result.database} photos; index: {result.index} documents.")
        if result.not_embedded:
            self.stdout.write(f"{result.not_embedded} photo(s) wait for an embedding (run sync_index).")
        if result.missing:
            self.stdout.write(f"Missing from the index: {_ids(result.missing)}")
        if result.extra:
            self.stdout.write(f"In the index but not in the database: {_ids(result.extra)}")
        if not result.in_sync:
            raise CommandError("The index has drifted from the database. Run search_index --rebuild or sync_index.")
        self.stdout.write(self.style.SUCCESS("The index matches the database."))


def _ids(ids: list[int], limit: int = 20) -> str:
    shown = ", ".join(map(str, ids[:limit]))
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")
