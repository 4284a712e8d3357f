"""Thin receivers: a claim's uploaded photo goes with the claim."""

from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import receiver

from dogs.stored_files import delete_after_commit

from .models import Claim


@receiver(post_delete, sender=Claim, dispatch_uid="reunions.claim_deleted")
def claim_deleted(sender, instance: Claim, **kwargs) -> None:
    # An owner's uploaded photo belongs to the claim: deleted with it, also when a found report
    # or an owner is deleted and the claim goes by cascade.
    delete_after_commit(instance.claim_photo)
