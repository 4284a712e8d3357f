"""Thin receivers, connected in SearchConfig.ready(): every photo or dog change, from a form, the admin
or code, becomes an outbox row in the same transaction. The background worker does the rest."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dogs.models import Dog, DogPhoto

from . import sync


@receiver(post_save, sender=DogPhoto, dispatch_uid="search.photo_saved")
def photo_saved(sender, instance: DogPhoto, raw: bool = False, **kwargs) -> None:
    if not raw:
        sync.photos_changed([instance.pk])


@receiver(post_delete, sender=DogPhoto, dispatch_uid="search.photo_deleted")
def photo_deleted(sender, instance: DogPhoto, **kwargs) -> None:
    sync.photos_changed([instance.pk])


@receiver(post_save, sender=Dog, dispatch_uid="search.dog_saved")
def dog_saved(sender, instance: Dog, created: bool, raw: bool = False, **kwargs) -> None:
    # The breed and kind are part of each photo's index document.
    if not created and not raw:
        sync.dog_changed(instance.pk)
