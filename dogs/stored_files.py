"""Stored files that outlive their rows would be personal data kept for no reason."""

from __future__ import annotations

from django.db import transaction
from django.db.models.fields.files import FieldFile


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
