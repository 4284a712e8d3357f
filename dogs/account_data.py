""" "Download my data": one zip of everything Reunite holds about an owner, JSON plus the stored files.

Each app describes its own rows: it registers a section in its AppConfig.ready() (this app for the
account, the owner and their dogs and photos; reunions for lost reports and claims), so this module
reaches the rows of apps above it without importing them.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.fields.files import FieldFile

from .models import ContactView, Dog, DogPhoto, Owner

# Past this the zip is written to a temporary file instead of memory: photos can add up.
IN_MEMORY_BYTES = 16 * 1024 * 1024


@dataclass
class Section:
    records: list[dict]
    # (name in the zip, stored file): the photos themselves, as they were stored.
    files: list[tuple[str, FieldFile]] = field(default_factory=list)


Collector = Callable[[Owner], Section]
_sections: dict[str, Collector] = {}


def register(name: str, collect: Collector) -> None:
    """Add a section of "download my data"; `collect(owner)` returns that owner's rows and files."""
    _sections[name] = collect


def build_zip(owner: Owner) -> IO[bytes]:
    """The owner's data as a zip (data.json, then the files), rewound; in memory up to IN_MEMORY_BYTES."""
    # Not a context manager: the response streams it and closes it.
    archive = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115
    data, files = {}, []
    for name, collect in _sections.items():
        section = collect(owner)
        data[name] = section.records
        files += section.files
    with zipfile.ZipFile(archive, "w") as bundle:
        text = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        bundle.writestr("data.json", text, compress_type=zipfile.ZIP_DEFLATED)
        for arcname, stored in files:
            try:
                handle = stored.open("rb")
            except OSError:  # a missing file: data.json still lists its row
                continue
            # Photos are compressed already: stored as they are.
            with handle, bundle.open(arcname, "w") as target:
                shutil.copyfileobj(handle, target, 1024 * 1024)
    archive.seek(0)
    return archive


def photo_name(photo: DogPhoto) -> str:
    return f"photos/dog-{photo.dog_id}/{photo.image.name.rsplit('/', 1)[-1]}"


def _account(owner: Owner) -> Section:
    user = owner.user
    record = {
        "username": user.get_username() if user else None,
        "date_joined": user.date_joined if user else None,
        "last_login": user.last_login if user else None,
        "name": owner.name,
        "email": owner.email,
        "email_verified": owner.email_verified,
        "phone": owner.phone,
        "address": owner.address,
        "created_at": owner.created_at,
    }
    return Section([record])


def _dogs(owner: Owner) -> Section:
    fields = (
        "id",
        "name",
        "breed",
        "sex",
        "size",
        "colour",
        "birth_date",
        "microchip",
        "notes",
        "status",
        "created_at",
    )
    return Section(list(Dog.objects.filter(owner=owner).values(*fields)))


def _photos(owner: Owner) -> Section:
    photos = DogPhoto.objects.filter(dog__owner=owner).order_by("dog_id", "pk")
    records = [
        {
            "dog_id": photo.dog_id,
            "file": photo_name(photo),
            "width": photo.width,
            "height": photo.height,
            "taken_at": photo.taken_at,
            "latitude": photo.latitude,
            "longitude": photo.longitude,
            "created_at": photo.created_at,
        }
        for photo in photos
    ]
    return Section(records, [(photo_name(photo), photo.image) for photo in photos])


def _contact_views(owner: Owner) -> Section:
    # When shelter staff were shown the owner's contact details, and on which page (not which staff member).
    return Section(list(ContactView.objects.filter(owner=owner).values("viewed_at", "page")))


def register_own_sections() -> None:
    register("account", _account)
    register("dogs", _dogs)
    register("photos", _photos)
    register("contact_views", _contact_views)
