"""Thin receivers: every photo change, from a form, the admin or code, goes through search.sync."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from search import sync

from .models import Dog, DogPhoto
from .stored_files import delete_after_commit


@receiver(post_save, sender=DogPhoto, dispatch_uid="dogs.photo_saved")
def photo_saved(sender, instance: DogPhoto, raw: bool = False, **kwargs) -> None:
    if not raw:
        sync.photos_changed([instance.pk])


@receiver(post_delete, sender=DogPhoto, dispatch_uid="dogs.photo_deleted")
def photo_deleted(sender, instance: DogPhoto, **kwargs) -> None:
    sync.photos_changed([instance.pk])
    delete_after_commit(instance.image, instance.thumbnail)


@receiver(post_save, sender=Dog, dispatch_uid="dogs.dog_saved")
def dog_saved(sender, instance: Dog, created: bool, raw: bool = False, **kwargs) -> None:
    # The breed is part of each photo's index document.
    if not created and not raw:
        sync.reindex_dog(instance.pk)
