"""Work the background worker does for lost and found: matching a new report, once its photos are indexed."""

from __future__ import annotations

from django_tasks import task

from search.sync import is_current

from . import alerts
from .models import FoundReport, LostReport


class PhotosNotIndexedYet(RuntimeError):
    """Raised so the worker tries again after a back-off: matching needs the photos' embeddings first."""


def _wait_for_photos(dog) -> None:
    if not is_current(list(dog.photos.values_list("pk", flat=True))):
        raise PhotosNotIndexedYet(f"The photos of {dog} are not indexed yet.")


@task()
def match_found_report(found_report_id: int) -> None:
    found = FoundReport.objects.open().select_related("dog", "shelter").filter(pk=found_report_id).first()
    if found is None:  # gone home (or deleted) before the worker got to it
        return
    _wait_for_photos(found.dog)
    alerts.alert_for_found(found)


@task()
def match_lost_report(lost_report_id: int) -> None:
    lost = LostReport.objects.open().select_related("dog__owner").filter(pk=lost_report_id).first()
    if lost is None:
        return
    _wait_for_photos(lost.dog)
    alerts.alert_for_lost(lost)
