"""Deleting an account leaves no file, row or index entry of the owner; the contact-view log keeps its rows."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse
from django.utils import timezone

from dogs.forms import check_upload
from dogs.models import ContactView, Dog, DogPhoto, Owner
from dogs.services import log_contact_views
from public.services import create_claim
from reunions import services as reunion_services
from reunions.models import Claim, LostReport, MatchCandidate, Reunion
from search.index import get_index
from tests.factories import make_dog, make_owner
from tests.support.photos import image_bytes, make_image

pytestmark = pytest.mark.django_db


def stored_files(settings) -> set[str]:
    return {str(p.relative_to(settings.MEDIA_ROOT)) for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()}


def stored_fields(photo: DogPhoto) -> list:
    """The photo's original and every rendition made of it."""
    return [getattr(photo, field.name) for field in photo._meta.fields if isinstance(field, models.FileField)]


@pytest.fixture
def ana(client, staff, record_found, run_worker):
    """An owner with everything an owner can have: dogs, photos and thumbnails, a lost report, a
    claim with an uploaded photo, a reunion, and staff having looked at her contact."""
    owner = make_owner("ana", email="ana@example.com")
    rex = make_dog(owner, "Rex", seeds=(1, 2))
    client.force_login(owner.user)
    assert client.get(reverse("dogs:photo_thumbnail", args=[rex.photos.first().pk])).status_code == 200
    luna = make_dog(owner, "Luna", seeds=(3,))
    LostReport.objects.create(dog=rex, lost_at=timezone.now(), place="Riverside")
    found = record_found(seeds=(40,))
    upload = SimpleUploadedFile("mine.jpg", image_bytes(make_image(41)), "image/jpeg")
    create_claim(owner, found, "Mine?", checked=check_upload(upload)[1])
    reunion_services.confirm_reunion(record_found(seeds=(3,)), luna, staff)
    log_contact_views(staff, [(owner, "the dog's page")], f"/dogs/{rex.pk}/")
    run_worker()
    return owner


def test_it_asks_for_the_password_and_deletes_nothing_without_it(client, ana):
    client.force_login(ana.user)

    response = client.post(reverse("delete_account"), {"password": "wrong"})

    assert response.status_code == 200 and "That is not your password" in response.content.decode()
    assert Owner.objects.filter(pk=ana.pk).exists() and ana.dogs.count() == 2


def test_it_leaves_no_file_row_or_index_entry_of_the_owner(
    client, settings, ana, run_worker, django_capture_on_commit_callbacks
):
    bob = make_dog(make_owner("bob"), "Bob's dog", seeds=(9,))
    photo_ids = set(DogPhoto.objects.filter(dog__owner=ana).values_list("pk", flat=True))
    files = {f.name for p in DogPhoto.objects.filter(dog__owner=ana) for f in stored_fields(p) if f}
    files |= {c.claim_photo.name for c in Claim.objects.filter(owner=ana)}
    assert len(photo_ids) == 4 and files <= stored_files(settings) and photo_ids <= get_index().photo_ids()
    client.force_login(ana.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("delete_account"), {"password": "correct-horse-battery"})
    run_worker()

    assert response.status_code == 302 and response.url == reverse("home")
    assert not files & stored_files(settings), "no photo, thumbnail or claim photo left"
    assert not photo_ids & get_index().photo_ids(), "no index entry left"
    assert not User.objects.filter(username="ana").exists() and not Owner.objects.filter(pk=ana.pk).exists()
    assert not Dog.objects.filter(name__in=["Rex", "Luna"]).exists()
    assert not LostReport.objects.exists() and not Claim.objects.exists()
    assert not MatchCandidate.objects.filter(dog__name__in=["Rex", "Luna"]).exists()
    assert bob.photos.get().pk in get_index().photo_ids(), "other owners keep theirs"


def test_the_contact_view_log_and_the_shelters_reunion_count_keep_their_rows_without_the_owner(client, ana):
    client.force_login(ana.user)

    client.post(reverse("delete_account"), {"password": "correct-horse-battery"})

    view = ContactView.objects.get()
    assert view.owner is None and view.viewer is not None
    assert Reunion.objects.get().dog is None


def test_it_logs_the_owner_out(client, ana):
    client.force_login(ana.user)

    client.post(reverse("delete_account"), {"password": "correct-horse-battery"})

    assert client.get(reverse("dogs:my_dogs")).status_code == 302
    assert "are deleted" in client.get(reverse("home")).content.decode()
