"""Thin receivers: a deleted photo's files go with it (search follows photo changes with its own receivers)."""

from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import DogPhoto
from .stored_files import delete_after_commit


@receiver(post_delete, sender=DogPhoto, dispatch_uid="dogs.photo_deleted")
def photo_deleted(sender, instance: DogPhoto, **kwargs) -> None:
    delete_after_commit(instance.image, instance.thumbnail, instance.display)
