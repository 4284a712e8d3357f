from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from dogs.models import ContactView
from reunions.models import Claim
from tests.factories import make_dog, make_owner
from tests.support.photos import exif_with, image_bytes, make_image, photo_upload, served_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def found(record_found):
    return record_found(seeds=(21,), place="Harbour")


def claim(client, found, **data):
    return client.post(reverse("public:claim_create", args=[found.pk]), {"message": "White tip on her tail", **data})


def test_an_owner_claims_a_found_dog_and_staff_see_it_on_the_dashboard(client, found, luna, staff, run_worker):
    photo = luna.photos.get()
    client.force_login(luna.owner.user)
    page = client.get(reverse("public:claim_create", args=[found.pk]), {"photo": photo.pk}).content.decode()
    assert f'value="{photo.pk}" id="id_dog_photo_0" checked' in page, "the photo searched with, chosen"

    response = claim(client, found, dog_photo=photo.pk)
    assert not mail.outbox, "the request only queues the email"
    run_worker()

    assert response.status_code == 302 and response.url == reverse("public:mine")
    row = Claim.objects.get()
    assert (row.owner, row.found_report, row.dog_photo, row.status) == (luna.owner, found, photo, "open")
    assert row.score > 0.99 and not row.claim_photo
    assert "Harbour" in client.get(reverse("public:mine")).content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["desk@northside.example"]
    assert "anastasia" not in mail.outbox[0].body.lower(), "the owner's contact is shown on the dashboard, not mailed"

    client.force_login(staff)
    html = client.get(reverse("reunions:dashboard")).content.decode()

    assert reverse("reunions:claim_found_photo", args=[row.pk]) in html
    assert reverse("reunions:claim_owner_photo", args=[row.pk]) in html
    assert "Anastasia Quill" in html and "anastasia@quill.example" in html and "+1 555 0142" in html
    assert "White tip on her tail" in html
    assert ContactView.objects.filter(viewer=staff, owner=luna.owner, page=reverse("reunions:dashboard")).exists()
    for name in ("reunions:claim_found_photo", "reunions:claim_owner_photo"):
        served = client.get(reverse(name, args=[row.pk]))
        assert served.status_code == 200 and served["Content-Type"] == "image/jpeg", name


def test_an_uploaded_photo_is_stored_under_a_safe_name_without_exif(client, found, ana, staff):
    gps = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 1.0, 2.0)}
    upload = SimpleUploadedFile(
        "../../my home.php.jpg", image_bytes(make_image(21), "JPEG", exif=exif_with(gps=gps)), "image/jpeg"
    )
    client.force_login(ana.user)

    assert claim(client, found, photo=upload).status_code == 302

    row = Claim.objects.get()
    assert row.dog_photo is None and row.claim_photo.name.startswith("claims/")
    assert row.claim_photo.name.endswith(".jpg") and "home" not in row.claim_photo.name
    with row.claim_photo.open("rb") as handle:
        assert not Image.open(handle).getexif()
    client.force_login(staff)
    served = served_image(client.get(reverse("reunions:claim_owner_photo", args=[row.pk])))
    assert not served.getexif()


def test_other_owners_and_non_staff_cannot_see_a_claim(client, found, luna):
    client.force_login(luna.owner.user)
    claim(client, found, dog_photo=luna.photos.get().pk)
    row = Claim.objects.get()

    for user in (make_owner("mallory").user, luna.owner.user):
        client.force_login(user)
        assert client.get(reverse("reunions:dashboard")).status_code == 403
        for name in ("reunions:claim_found_photo", "reunions:claim_owner_photo"):
            assert client.get(reverse(name, args=[row.pk])).status_code == 403, name
        assert client.post(reverse("reunions:claim_resolve", args=[row.pk])).status_code == 403
    client.force_login(make_owner("trudy").user)
    assert "Harbour" not in client.get(reverse("public:mine")).content.decode()
    client.logout()
    assert client.get(reverse("reunions:claim_owner_photo", args=[row.pk])).status_code == 302


def test_staff_resolve_a_claim(client, found, luna, staff):
    client.force_login(luna.owner.user)
    claim(client, found, dog_photo=luna.photos.get().pk)
    row = Claim.objects.get()
    client.force_login(staff)

    response = client.post(reverse("reunions:claim_resolve", args=[row.pk]))

    row.refresh_from_db()
    assert response.status_code == 302 and row.status == "resolved" and row.resolved_by == staff
    assert "No open claims" in client.get(reverse("reunions:dashboard")).content.decode()


def test_a_claim_needs_a_photo_and_a_message(client, found, luna):
    client.force_login(luna.owner.user)

    no_photo = claim(client, found)
    no_message = client.post(reverse("public:claim_create", args=[found.pk]), {"dog_photo": luna.photos.get().pk})

    assert no_photo.status_code == 400 and "Choose one of your dogs" in no_photo.content.decode()
    assert no_message.status_code == 400 and "This field is required" in no_message.content.decode()
    assert not Claim.objects.exists()


def test_it_refuses_someone_elses_photo(client, found, luna):
    other = make_dog(make_owner("mallory"), "Spot", seeds=(30,))
    client.force_login(luna.owner.user)

    response = claim(client, found, dog_photo=other.photos.get().pk)

    assert response.status_code == 400 and not Claim.objects.exists()


def test_one_open_claim_per_dog(client, found, luna):
    client.force_login(luna.owner.user)
    claim(client, found, dog_photo=luna.photos.get().pk)

    again = claim(client, found, photo=photo_upload(3))

    assert again.status_code == 400 and "already told the shelter" in again.content.decode()
    assert Claim.objects.count() == 1


def test_only_dogs_in_care_can_be_claimed(client, found, luna):
    from reunions.models import FoundReport

    FoundReport.objects.filter(pk=found.pk).update(status=FoundReport.Status.CLOSED)
    client.force_login(luna.owner.user)

    assert claim(client, found, dog_photo=luna.photos.get().pk).status_code == 404
    assert not Claim.objects.exists()


def test_a_bad_claim_photo_gets_a_clear_message_and_nothing_is_stored(client, found, ana):
    client.force_login(ana.user)

    response = claim(client, found, photo=SimpleUploadedFile("dog.jpg", b"<html>not a photo</html>", "image/jpeg"))

    assert response.status_code == 400
    assert "not a supported image" in response.content.decode()
    assert not Claim.objects.exists()


def test_the_owners_uploaded_photo_is_deleted_with_the_claim(client, found, ana, django_capture_on_commit_callbacks):
    client.force_login(ana.user)
    assert claim(client, found, photo=photo_upload(21)).status_code == 302
    stored = Claim.objects.get().claim_photo
    storage, name = stored.storage, stored.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        found.delete()  # the found report goes, and its claims with it by cascade

    assert not Claim.objects.exists()
    assert not storage.exists(name), "an owner's photo must not outlive their claim"


def test_a_claim_sent_twice_at_once_is_one_claim_with_one_photo(client, found, ana, monkeypatch):
    from public.forms import OwnerPhotoForm

    # Both tabs passed the form's duplicate check before either saved: only the database can tell.
    monkeypatch.setattr("public.forms.ClaimForm.clean", lambda form: OwnerPhotoForm.clean(form))
    client.force_login(ana.user)
    assert claim(client, found, photo=photo_upload(21)).status_code == 302
    stored = Claim.objects.get().claim_photo
    folder = stored.storage.listdir("claims")[1]

    response = claim(client, found, photo=photo_upload(22))

    assert response.status_code == 400
    assert "already told the shelter" in response.content.decode()
    assert Claim.objects.count() == 1
    assert stored.storage.listdir("claims")[1] == folder, "the losing claim wrote no photo file"
