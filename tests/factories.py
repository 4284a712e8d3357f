"""Small helpers that build owners, staff and dogs for tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from dogs.access import staff_group
from dogs.forms import check_upload
from dogs.models import Dog, Owner
from dogs.services import register_dog
from reunions.models import FoundReport
from reunions.services import record_found_dog
from shelters.models import Membership, Shelter
from worker.loop import drain

from .support.photos import photo_upload

# Every test user's password, for the tests that log in through the form.
PASSWORD = "correct-horse-battery"


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


def make_staff(username: str = "sam", shelters: Iterable[Shelter] = (), role: str = Membership.Role.STAFF) -> User:
    """Shelter staff (the group; transactional tests flush the migration's rows, staff_group makes them again)."""
    user = User.objects.create_user(username, f"{username}@shelter.example", PASSWORD, is_staff=True)
    user.groups.add(staff_group())
    for shelter in shelters:
        Membership.objects.create(user=user, shelter=shelter, role=role)
    return user


def make_shelter(name: str = "Northside Shelter", members: Iterable[User] = (), **fields) -> Shelter:
    defaults = {"phone": "+1 555 0199", "email": f"desk@{name.split()[0].lower()}.example", "stray_hold_days": 5}
    shelter = Shelter.objects.create(name=name, **{**defaults, **fields})
    for user in members:
        Membership.objects.create(user=user, shelter=shelter)
    return shelter


def checked_uploads(seeds: tuple[int, ...]) -> list:
    return [check_upload(photo_upload(seed)) for seed in seeds]


def make_dog(owner: Owner, name: str = "Rex", seeds: tuple[int, ...] = (1,), index: bool = True, **fields) -> Dog:
    """A registered dog with one photo per seed; with `index`, the worker has embedded and indexed them."""
    dog = Dog(name=name, **fields)
    register_dog(dog, owner, checked_uploads(seeds))
    if index:
        drain()
    return dog


def make_found(
    shelter: Shelter, name: str = "Found", days_ago: int = 0, hold_days: int = 5, **dog_fields
) -> FoundReport:
    """A found report without photos (lists and filters); intake with photos is reunions.services.record_found_dog."""
    found_at = timezone.now() - timedelta(days=days_ago)
    return FoundReport.objects.create(
        dog=Dog.objects.create(kind=Dog.Kind.FOUND, name=name, **dog_fields),
        shelter=shelter,
        found_at=found_at,
        place="Harbour",
        hold_until=found_at.date() + timedelta(days=hold_days),
    )


def record_intake(
    shelter: Shelter, seeds: tuple[int, ...] = (1,), name: str = "Found", user=None, index: bool = True, **dog_fields
) -> FoundReport:
    """Intake of a found dog with one photo per seed, today; with `index`, the worker has embedded and matched it."""
    now = timezone.now()
    report = FoundReport(shelter=shelter, found_at=now, place="Harbour", hold_until=now.date())
    record_found_dog(report, Dog(name=name, **dog_fields), checked_uploads(seeds), user)
    if index:
        drain()
    return report
