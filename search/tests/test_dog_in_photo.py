"""Where the dog is, stored with each photo by the worker: the crop beside the whole photo, and a hint
for staff when the model sees no dog (issue 21, item 5).

The bundled EfficientNet-Lite0 (real ImageNet weights) on Debian's darknet photos: dog.jpg holds a
dog, giraffe.jpg none.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from dogs.forms import check_upload
from dogs.models import Dog, DogPhoto
from dogs.services import register_dog
from reunions.models import FoundReport
from reunions.services import record_found_dog
from tests.factories import make_owner, make_shelter, make_staff
from tests.support.photos import image_bytes, served_image
from tests.support.sample_photos import sample_photos_dir
from worker.loop import drain

from .test_localise import DOG_BOX, iou

pytestmark = pytest.mark.django_db

NO_DOG_HINT = "No dog found in this photo"


def checked(scene: str):
    path = sample_photos_dir() / f"{scene}.jpg"
    with path.open("rb") as handle:
        return check_upload(SimpleUploadedFile(path.name, handle.read(), "image/jpeg"))


def registered(*scenes: str, owner=None) -> Dog:
    """A registered dog with one photo per darknet scene, embedded by the worker."""
    dog = Dog(name="Rex")
    register_dog(dog, owner or make_owner(), [checked(scene) for scene in scenes])
    drain()
    return dog


def upload(path: Path) -> SimpleUploadedFile:
    with Image.open(path) as image:
        return SimpleUploadedFile(path.name, image_bytes(image.convert("RGB"), "JPEG"), "image/jpeg")


def intake(shelter, scene: str) -> FoundReport:
    from django.utils import timezone

    now = timezone.now()
    report = FoundReport(shelter=shelter, found_at=now, place="Harbour", hold_until=now.date())
    record_found_dog(report, Dog(name=f"Found {scene}"), [checked(scene)], None)
    return report


@pytest.fixture
def shelter_and_staff(client):
    staff = make_staff()
    shelter = make_shelter(members=[staff])
    client.force_login(staff)
    return shelter, client


def test_the_worker_stores_the_dogs_box_and_its_crop(bundled_model):
    owner = make_owner()
    dog = Dog(name="Rex")
    register_dog(dog, owner, [checked("dog"), checked("giraffe")])
    with_dog, without = dog.photos.order_by("pk")
    assert with_dog.dog_found is None, "not looked at before the worker runs"

    drain()

    with_dog.refresh_from_db()
    without.refresh_from_db()
    assert with_dog.dog_found is True
    width, height = 768, 576  # darknet's dog.jpg
    box = [share * side for share, side in zip(with_dog.dog_box, (width, height, width, height), strict=True)]
    assert iou(box, DOG_BOX) >= 0.5, with_dog.dog_box
    assert with_dog.dog_crop, "the crop rendition is made with the others"
    with with_dog.dog_crop.open("rb") as handle, Image.open(handle) as crop:
        left, top, right, bottom = box
        assert abs(crop.width / crop.height - (right - left) / (bottom - top)) < 0.05, "the box's shape, not a square"
    assert without.dog_found is False
    assert without.dog_box is None and not without.dog_crop


def test_staff_see_a_hint_for_a_photo_without_a_dog_and_the_crop_beside_one_with(bundled_model, shelter_and_staff):
    shelter, client = shelter_and_staff
    giraffe, dog = intake(shelter, "giraffe"), intake(shelter, "dog")
    drain()

    giraffe_page = client.get(reverse("reunions:found_detail", args=[giraffe.pk])).content.decode()
    dog_page = client.get(reverse("reunions:found_detail", args=[dog.pk])).content.decode()

    assert NO_DOG_HINT in giraffe_page
    assert NO_DOG_HINT not in dog_page
    photo = dog.dog.photos.get()
    crop_url = reverse("dogs:photo_dog", args=[photo.pk])
    assert f'src="{crop_url}"' in dog_page and 'class="dog-crop"' in dog_page
    assert 'class="dog-crop"' not in giraffe_page
    served = served_image(client.get(crop_url))
    assert served.width < photo.width, "the crop, not the whole photo"
    public = client.get(reverse("reunions:found_photo_dog", args=[photo.pk]))
    assert public.status_code == 200 and public["Content-Type"] == "image/jpeg"
    no_crop = client.get(reverse("dogs:photo_dog", args=[giraffe.dog.photos.get().pk]))
    assert no_crop.status_code == 404


def test_the_hint_waits_for_the_worker(bundled_model, shelter_and_staff):
    shelter, client = shelter_and_staff
    report = intake(shelter, "giraffe")  # the worker has not looked yet

    page = client.get(reverse("reunions:found_detail", args=[report.pk])).content.decode()

    assert NO_DOG_HINT not in page


def test_staff_photo_search_says_when_it_sees_no_dog_and_shows_the_crop_when_it_does(bundled_model, shelter_and_staff):
    _shelter, client = shelter_and_staff
    registered("dog")
    search = reverse("search:find_owner")

    giraffe = client.post(search, {"photo": upload(sample_photos_dir() / "giraffe.jpg")}).content.decode()
    dog = client.post(search, {"photo": upload(sample_photos_dir() / "dog.jpg")}).content.decode()

    assert NO_DOG_HINT in giraffe
    assert NO_DOG_HINT not in dog
    assert 'class="dog-crop" src="data:image/jpeg;base64,' in dog, "the found photo's crop, inline"
    assert f'src="{reverse("dogs:photo_dog", args=[DogPhoto.objects.get().pk])}"' in dog, "and the owner's"


def test_an_owners_crop_is_theirs_and_staffs_only(bundled_model, client):
    owner, stranger = make_owner("alice"), make_owner("bob")
    dog = registered("dog", owner=owner)
    url = reverse("dogs:photo_dog", args=[dog.photos.get().pk])

    client.force_login(stranger.user)
    assert client.get(url).status_code == 404
    client.force_login(owner.user)
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code in (302, 404)
    assert client.get(reverse("reunions:found_photo_dog", args=[dog.photos.get().pk])).status_code == 404


def test_a_replaced_image_forgets_the_box_and_the_renditions(bundled_model):
    photo = registered("dog").photos.get()
    assert photo.dog_found and photo.dog_crop and photo.thumbnail

    with (sample_photos_dir() / "giraffe.jpg").open("rb") as handle:
        photo.image.save("giraffe.jpg", File(handle), save=False)
    photo.save()

    photo.refresh_from_db()
    assert photo.dog_found is None and photo.dog_box is None
    assert not photo.dog_crop and not photo.thumbnail and not photo.display
    drain()
    photo.refresh_from_db()
    assert photo.dog_found is False, "looked at again, and the giraffe holds no dog"


def test_clips_unmeasured_localiser_is_not_used_for_stored_photos(client):
    # The tiny random CLIP: its localiser runs, but CLIP's boxes were never checked on real weights,
    # and would cost a second pass of the whole tower per photo.
    photo = registered("giraffe").photos.get()

    assert photo.embedding is not None
    assert photo.dog_found is None and photo.dog_box is None and not photo.dog_crop
    client.force_login(make_staff())
    page = client.post(reverse("search:find_owner"), {"photo": upload(sample_photos_dir() / "giraffe.jpg")})
    assert NO_DOG_HINT not in page.content.decode() and 'class="dog-crop"' not in page.content.decode()


def test_clips_boxes_are_not_stored_even_by_a_recipe_that_crops(settings):
    settings.EMBEDDING_RECIPE = "crop"  # the tiny CLIP crops around what its localiser finds
    from search import embeddings

    embeddings.reset()
    try:
        photo = registered("dog").photos.get()
        assert photo.embedding_model.endswith("@crop")
        assert photo.dog_found is None and photo.dog_box is None and not photo.dog_crop
    finally:
        embeddings.reset()


def test_a_closed_found_report_no_longer_shows_its_crop_to_anyone(bundled_model, shelter_and_staff):
    shelter, client = shelter_and_staff
    report = intake(shelter, "dog")
    drain()
    url = reverse("reunions:found_photo_dog", args=[report.dog.photos.get().pk])
    assert client.get(url).status_code == 200

    FoundReport.objects.filter(pk=report.pk).update(status=FoundReport.Status.CLOSED)

    assert client.get(url).status_code == 404


def test_change_model_keeps_a_crop_whose_box_did_not_move(bundled_model):
    from django.core.management import call_command

    dog = registered("dog")
    before = dog.photos.get()

    call_command("change_model", batch_size=4, verbosity=0)

    after = dog.photos.get()
    assert after.dog_box == before.dog_box and after.dog_crop.name == before.dog_crop.name


def test_a_reunion_keeps_where_the_dog_is_in_the_shelters_photos(bundled_model, shelter_and_staff):
    from reunions.services import confirm_reunion

    shelter, _client = shelter_and_staff
    owner = make_owner()
    dog = Dog(name="Rex")
    register_dog(dog, owner, [checked("giraffe")])
    report = intake(shelter, "dog")
    drain()
    found_photo = report.dog.photos.get()
    owners_photo = dog.photos.get()

    confirm_reunion(report, dog, make_staff("ana"))

    copy = dog.photos.exclude(pk=owners_photo.pk).get()
    assert (copy.dog_found, copy.dog_box) == (True, found_photo.dog_box)
