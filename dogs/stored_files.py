"""Stored files that outlive their rows would be personal data kept for no reason."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models.fields.files import FieldFile

logger = logging.getLogger(__name__)


def delete_after_commit(*field_files: FieldFile) -> None:
    """Delete the files from their storage once the deletion of their row is committed.

    Only after the commit, so a rolled-back deletion loses no photo; `robust`, so a storage
    error (the file already gone, S3 unreachable) is logged instead of failing the request
    whose row is already deleted.
    """
    for field_file in field_files:
        if field_file:
            storage, name = field_file.storage, field_file.name
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name), robust=True)


def delete_now(field_files: Iterable[FieldFile]) -> None:
    """Delete files written for rows that were never committed; a failure is logged, not raised."""
    for field_file in field_files:
        # `_committed` is set once the file is in storage: an upload never written leaves nothing behind.
        if field_file and field_file._committed:
            try:
                field_file.storage.delete(field_file.name)
            except Exception:  # noqa: BLE001 - the original error matters more; the sweep command finds leftovers
                logger.warning("Could not delete %s after a rolled-back save.", field_file.name, exc_info=True)


@contextlib.contextmanager
def files_removed_on_failure() -> Iterator[list[FieldFile]]:
    """Collect the files a block writes; if the block fails (its transaction rolls back), delete them.

    `FieldFile.save()` writes to storage at once, inside the transaction, and a rollback does not
    take the file back. Use around the outermost transaction that saves the rows.
    """
    written: list[FieldFile] = []
    try:
        yield written
    except BaseException:
        delete_now(written)
        raise
