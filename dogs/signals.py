"""Thin receivers: a deleted photo's files go with it (search follows photo changes with its own receivers),
and shelter memberships keep the staff group in step."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from shelters.models import Membership

from .access import staff_group
from .models import DogPhoto
from .stored_files import delete_after_commit


@receiver(post_delete, sender=DogPhoto, dispatch_uid="dogs.photo_deleted")
def photo_deleted(sender, instance: DogPhoto, **kwargs) -> None:
    delete_after_commit(instance.image, instance.thumbnail, instance.display, instance.dog_crop)


@receiver(post_save, sender=Membership, dispatch_uid="dogs.membership_saved")
def membership_saved(sender, instance: Membership, created: bool, **kwargs) -> None:
    # Working for a shelter makes a user staff: the pages they need check the staff permission.
    if created:
        instance.user.groups.add(staff_group())


@receiver(post_delete, sender=Membership, dispatch_uid="dogs.membership_deleted")
def membership_deleted(sender, instance: Membership, **kwargs) -> None:
    # Removed from their last shelter, a user no longer sees owners' contacts anywhere.
    user = instance.user
    if not user.is_superuser and not Membership.objects.filter(user=user).exists():
        user.groups.remove(staff_group())
