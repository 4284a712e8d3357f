from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from search import sync
from search.models import PendingIndexUpdate


class Command(BaseCommand):
    help = "Apply pending index updates (safe to run from cron; exits 1 if some still fail)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--dry-run", action="store_true", help="Only report what is pending.")

    def handle(self, *args, batch_size: int, dry_run: bool, **options) -> None:
        pending = PendingIndexUpdate.objects.count()
        if dry_run or not pending:
            self.stdout.write(f"{pending} pending index update(s).")
            return
        totals = sync.SyncResult()
        remaining = list(PendingIndexUpdate.objects.order_by("pk").values_list("photo_id", flat=True))
        with tqdm(total=len(remaining), desc="Syncing index", unit="photo", disable=options["verbosity"] == 0) as bar:
            for start in range(0, len(remaining), batch_size):
                chunk = remaining[start : start + batch_size]
                result = sync.apply_pending(chunk, limit=None)
                totals.indexed += result.indexed
                totals.deleted += result.deleted
                totals.failed += result.failed
                totals.errors.extend(e for e in result.errors if e not in totals.errors)
                bar.update(len(chunk))
        self.stdout.write(f"Indexed {totals.indexed}, removed {totals.deleted}, still failing {totals.failed}.")
        for error in totals.errors:
            self.stderr.write(error)
        if totals.failed:
            raise SystemExit(1)
