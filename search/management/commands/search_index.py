from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search.backends.base import IndexUnavailable
from search.documents import indexable_photos
from search.embeddings import active_model_name
from search.index import backend_path, get_index
from search.maintenance import IndexCheck, check_index, fix_index, model_dimension, name_taken, rebuild_index

ACTIONS = ("create", "delete", "rebuild", "check", "fix", "adopt", "replace")
SHOWN_IDS = 10


class Command(BaseCommand):
    help = "Create, delete, rebuild, check or repair the vector index; adopt or replace an index that took its name."

    def add_arguments(self, parser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--create", action="store_true", help="Create the index if it does not exist.")
        action.add_argument(
            "--delete",
            action="store_true",
            help="Delete the indices behind the alias and half-built ones (the database keeps everything).",
        )
        action.add_argument(
            "--rebuild", action="store_true", help="Rebuild from the database behind the alias, without downtime."
        )
        action.add_argument(
            "--check",
            action="store_true",
            help="Compare every document with the database; report missing, extra, stale, strays, "
            "half-built indices and a naming conflict; exit 1 on any.",
        )
        action.add_argument("--fix", action="store_true", help="Check, say what will change, then repair it.")
        action.add_argument(
            "--adopt",
            action="store_true",
            help="An index (not an alias) holds the index's name: build Reunite's index from the database "
            "and move the name to an alias on it, in one step.",
        )
        action.add_argument(
            "--replace",
            action="store_true",
            help="Like --adopt without reading that index first (for one that cannot be read); asks first.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen, change nothing.")
        parser.add_argument(
            "--vectors", action="store_true", help="With --check or --fix: also compare every stored vector."
        )
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="With --replace: do not ask to confirm."
        )

    def handle(self, *args, **options) -> None:
        action = next(name for name in ACTIONS if options[name])
        if options["vectors"] and action not in ("check", "fix"):
            raise CommandError("--vectors goes with --check or --fix.")
        self.stdout.write(f"Backend: {backend_path()}; model: {active_model_name()}")
        try:
            getattr(self, f"_{action}")(**options)
        except IndexUnavailable as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, dry_run: bool, **options) -> None:
        if dry_run:
            self.stdout.write("Would create the index if it does not exist.")
            return
        get_index().ensure(model_dimension(active_model_name()))
        self.stdout.write(self.style.SUCCESS("Index ready."))

    def _delete(self, dry_run: bool, **options) -> None:
        if dry_run:
            self.stdout.write("Would delete the indices behind the alias and half-built ones.")
            return
        deleted = get_index().drop()
        what = ", ".join(deleted) if deleted else "nothing was left to delete"
        self.stdout.write(f"Index deleted: {what}. The database keeps everything: rebuild it with --rebuild.")
        if name_taken():
            self.stdout.write(
                f"Left alone: the index named {settings.ELASTICSEARCH_INDEX!r}, which Reunite did not create "
                "(search_index --replace deletes it)."
            )

    def _rebuild(self, dry_run: bool, verbosity: int, **options) -> None:
        total = indexable_photos(active_model_name()).count()
        if dry_run:
            self.stdout.write(f"Would index {total} photos.")
            return
        count = self._build(total, verbosity, "Rebuilding index", take_name=False)
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the index with {count} photos."))

    def _build(self, total: int, verbosity: int, description: str, *, take_name: bool) -> int:
        with tqdm(total=total, desc=description, unit="photo", disable=verbosity == 0) as bar:
            return rebuild_index(progress=bar.update, take_name=take_name)

    def _check(self, vectors: bool, **options) -> None:
        result = check_index(with_vectors=vectors)
        self._report(result)
        if not result.in_sync:
            raise CommandError(_advice(result))
        self.stdout.write(self.style.SUCCESS("The index matches the database."))

    def _fix(self, dry_run: bool, vectors: bool, **options) -> None:
        result = check_index(with_vectors=vectors)
        self._report(result)
        if result.conflict:
            raise CommandError(_advice(result))
        if result.in_sync:
            self.stdout.write(self.style.SUCCESS("Nothing to fix: the index matches the database."))
            return
        for line in _repairs(result):
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing changed.")
            return
        fix_index(result)
        after = check_index(with_vectors=vectors)
        if not after.in_sync:
            self._report(after)
            raise CommandError("Some problems remain after the repair (see above): run search_index --rebuild.")
        self.stdout.write(self.style.SUCCESS("Repaired: the index matches the database."))

    def _adopt(self, dry_run: bool, verbosity: int, **options) -> None:
        result = check_index()
        if not result.conflict:
            self.stdout.write(f"No index holds the name {settings.ELASTICSEARCH_INDEX!r}: nothing to adopt.")
            return
        name = settings.ELASTICSEARCH_INDEX
        known = result.index - len(result.extra)
        self.stdout.write(
            f"{name!r} is an index, not Reunite's alias. It holds {result.index + len(result.strays)} documents: "
            f"{known} of photos in the database, {len(result.extra)} of photos the database does not have, "
            f"{len(result.strays)} not written by Reunite{_stray_sample(result)}."
        )
        self.stdout.write(
            f"Adopting builds a new index of all {result.database} photos from the database (their stored "
            f"vectors: the database is the source of truth, and that index's copies may be stale or of another "
            f"model), then deletes {name!r} and gives its name to an alias on the new index in one step. "
            "Its other documents are not kept."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing changed.")
            return
        count = self._build(result.database, verbosity, "Adopting the index name", take_name=True)
        self.stdout.write(self.style.SUCCESS(f"Adopted: {name!r} is now an alias on an index of {count} photos."))

    def _replace(self, dry_run: bool, interactive: bool, verbosity: int, **options) -> None:
        name = settings.ELASTICSEARCH_INDEX
        if not name_taken():
            self.stdout.write(f"No index holds the name {name!r}: nothing to replace.")
            return
        total = indexable_photos(active_model_name()).count()
        self.stdout.write(
            f"{name!r} is an index Reunite did not create. Replacing it deletes it with all its documents, "
            f"unread, when a new index of {total} photos from the database takes its name."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing changed.")
            return
        if interactive and input(f"Type yes to delete the index {name!r}: ").strip().lower() != "yes":
            raise CommandError("Not confirmed: nothing changed.")
        count = self._build(total, verbosity, "Replacing the index", take_name=True)
        self.stdout.write(self.style.SUCCESS(f"Replaced: {name!r} is now an alias on an index of {count} photos."))

    def _report(self, result: IndexCheck) -> None:
        for line in _findings(result):
            self.stdout.write(line)


def _findings(result: IndexCheck) -> list[str]:
    if result.derived:
        lines = [f"The embedded index reads the database directly: it holds its {result.database} photos."]
    else:
        lines = [f"Database: {result.database} photos; index: {result.index} documents."]
    if result.not_embedded:
        lines.append(f"{result.not_embedded} photo(s) wait for an embedding (the background worker embeds them).")
    if result.conflict:
        return [*lines, result.conflict]
    if result.missing:
        lines.append(f"Missing from the index: {_ids(result.missing)}")
    if result.extra:
        lines.append(f"In the index but not in the database: {_ids(result.extra)}")
    if result.stale:
        stale = [f"{pk} ({', '.join(fields)})" for pk, fields in result.stale.items()]
        lines.append(f"Stale (differs from the database): {_ids(stale)}")
    if result.strays:
        lines.append(f"Strays (documents Reunite did not write): {len(result.strays)}{_stray_sample(result)}")
    for built in result.half_built:
        state = "a rebuild is filling it" if built.running else "abandoned by a rebuild"
        lines.append(f"Half-built index {built.name}: {state} (last progress {built.idle_s:.0f} s ago).")
    if result.pending and not result.in_sync:
        lines.append(f"{result.pending} change(s) wait in the outbox; those photos differ until they are applied.")
    return lines


def _repairs(result: IndexCheck) -> list[str]:
    lines = []
    if result.missing or result.stale:
        lines.append(
            f"Will index {len(result.missing)} missing and {len(result.stale)} stale photo(s) from the database."
        )
    if result.extra:
        lines.append(f"Will delete {len(result.extra)} document(s) of photos the database does not have.")
    if result.strays:
        lines.append(f"Will remove {len(result.strays)} stray document(s){_stray_sample(result)}.")
    for built in result.half_built:
        if built.running:
            lines.append(f"Leaves {built.name}: a rebuild made progress {built.idle_s:.0f} s ago.")
        else:
            lines.append(f"Will delete the half-built index {built.name}.")
    return lines


def _advice(result: IndexCheck) -> str:
    if result.conflict:
        return "The index's name is taken by an index: run search_index --adopt (or --replace); see above."
    return "The index has drifted from the database: run search_index --fix (or --rebuild)."


def _stray_sample(result: IndexCheck) -> str:
    return f" (ids: {_ids([stray.id for stray in result.strays])})" if result.strays else ""


def _ids(ids: list, limit: int = SHOWN_IDS) -> str:
    shown = ", ".join(map(str, ids[:limit]))
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")
