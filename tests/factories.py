"""Small helpers that build owners, staff and dogs for tests."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone

from dogs.forms import check_upload
from dogs.models import Dog, Owner
from dogs.services import register_dog
from worker.loop import drain

from .support.photos import photo_upload


# Every test user's password, for the tests that log in through the form.
PASSWORD = "correct-horse-battery"

def shelter_staff_group() -> Group:
    # Transactional tests flush the rows the data migration made; recreate them the same way.
    from dogs.migrations import _shelter_staff

    group, _ = Group.objects.get_or_create(name=_shelter_staff.GROUP)
    for app_label, codename in _shelter_staff.PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return group


def make_owner(username: str = "alice", **fields) -> Owner:
    """An owner with a login and, unless `email_verified_at=None` is given, a confirmed address."""
    user = User.objects.create_user(username, fields.get("email", f"{username}@example.com"), PASSWORD)
    defaults = {
        "name": username.title(),
        "email": f"{username}@example.com",
        "phone": "+1 555 0100",
        "address": "Springfield",
        "email_verified_at": timezone.now(),
    }
    defaults.update(fields)
    return Owner.objects.create(user=user, **defaults)


def make_staff(username: str = "sam") -> User:
    user = User.objects.create_user(username, f"{username}@shelter.example", PASSWORD, is_staff=True)
    user.groups.add(shelter_staff_group())
    return user


def checked_uploads(seeds: tuple[int, ...]) -> list:
    return [check_upload(photo_upload(seed)) for seed in seeds]


def make_dog(owner: Owner, name: str = "Rex", seeds: tuple[int, ...] = (1,), index: bool = True, **fields) -> Dog:
    """A registered dog with one photo per seed; with `index`, the worker has embedded and indexed them."""
    dog = Dog(name=name, **fields)
    register_dog(dog, owner, checked_uploads(seeds))
    if index:
        drain()
    return dog
