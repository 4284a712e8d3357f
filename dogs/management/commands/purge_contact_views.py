"""Delete contact-view rows older than CONTACT_VIEW_RETENTION_DAYS now (the worker also does it daily)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from dogs.retention import expired_contact_views, purge


class Command(BaseCommand):
    help = "Delete contact-view rows older than CONTACT_VIEW_RETENTION_DAYS (and old rate-limit counts)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Say how many rows would go; delete nothing.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        days = settings.CONTACT_VIEW_RETENTION_DAYS
        if dry_run:
            count = expired_contact_views().count()
            self.stdout.write(f"{count} contact view(s) older than {days} days would be deleted.")
            return
        self.stdout.write(f"Deleted {purge()} row(s): contact views older than {days} days, old rate-limit counts.")
