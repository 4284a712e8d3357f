"""What staff and owners see of weak and strong matches, in a real browser, and photos every browser can show.

With the bundled EfficientNet-Lite0 (real weights) on Debian's darknet photos; the screenshots go
into the README.
"""

from __future__ import annotations

import pillow_heif
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from dogs.forms import check_upload
from dogs.models import Dog
from dogs.services import register_dog
from reunions.models import FoundReport, LostReport
from reunions.services import record_found_dog
from tests.factories import make_owner, make_shelter, make_staff
from tests.support.browser import screenshot
from tests.support.photos import image_bytes, make_image
from tests.support.sample_photos import finders_copy, sample_photos_dir
from worker.loop import drain

from .ui import expect_images_shown, field, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def darknet_upload(scene: str, *, altered: bool = False) -> SimpleUploadedFile:
    from PIL import Image

    with Image.open(sample_photos_dir() / f"{scene}.jpg") as image:
        picture = image.convert("RGB")
    if altered:
        picture = finders_copy(picture)
    return SimpleUploadedFile(f"{scene}.jpg", image_bytes(picture, "JPEG"), "image/jpeg")


def register(owner_name: str, dog_name: str, upload: SimpleUploadedFile) -> Dog:
    dog = Dog(name=dog_name)
    register_dog(dog, make_owner(owner_name, phone="+1 555 0177"), [check_upload(upload)])
    return dog


def test_staff_see_likely_possible_and_unlikely_matches_and_no_likely_match(new_page, tmp_path, bundled_model):
    bundled_model.MATCH_THRESHOLD, bundled_model.MATCH_POSSIBLE_THRESHOLD = 0.95, 0.6
    register("ana", "Biscuit", darknet_upload("dog", altered=True))  # the very photo staff will search with
    register("ben", "Bramble", darknet_upload("dog"))  # another photo of the same scene
    register("cal", "Pegasus", darknet_upload("horses"))
    drain()
    make_staff("sam")
    page = new_page()
    log_in(page, "sam")

    page.goto("/search/find-owner/")
    query = tmp_path / "found.jpg"
    query.write_bytes(darknet_upload("dog", altered=True).read())
    field(page, "Photo of the found dog").set_input_files(query)
    page.get_by_role("button", name="Search").click()

    cards = page.locator("ol.results > li")
    expect(cards.nth(0)).to_contain_text("Likely match")
    expect(cards.nth(1)).to_contain_text("Possible match")
    expect(cards.nth(0)).to_contain_text("+1 555 0177")
    unlikely = page.locator("details.unlikely")
    expect(unlikely).to_contain_text("Unlikely")
    unlikely.locator("summary").click()
    expect(unlikely.get_by_role("button", name="Show contact")).to_be_visible()
    expect(unlikely).not_to_contain_text("+1 555 0177")
    screenshot(page, "labels")

    field(page, "Photo of the found dog").set_input_files(sample_photos_dir() / "giraffe.jpg")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No likely match")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("+1 555 0177")
    screenshot(page, "no-likely-match")


def heic_upload(seed: int) -> SimpleUploadedFile:
    pillow_heif.register_heif_opener()
    return SimpleUploadedFile(f"iphone-{seed}.heic", image_bytes(make_image(seed, (1200, 900)), "HEIF"))


def test_a_heic_owner_photo_displays_on_the_review_card_and_the_owners_lost_page(new_page, settings):
    settings.MATCH_THRESHOLD = -1.0  # every candidate is shown as a match: this test is about the pictures
    owner = make_owner("ana")
    luna = Dog(name="Luna")
    register_dog(luna, owner, [check_upload(heic_upload(5))])
    lost = LostReport.objects.create(dog=luna, lost_at=timezone.now(), place="Park")
    shelter = make_shelter("Northside")
    found = FoundReport(shelter=shelter, found_at=timezone.now(), place="Harbour", hold_until=timezone.now().date())
    sam = make_staff("sam", shelters=[shelter])
    record_found_dog(found, Dog(name="Harbour dog"), [check_upload(heic_upload(5))], sam)
    drain()

    staff = new_page()
    log_in(staff, "sam")
    staff.goto(found.get_absolute_url())
    expect_images_shown(staff, "ol.results .side-by-side img", 2)

    owner_page = new_page()
    log_in(owner_page, "ana")
    owner_page.goto(lost.get_absolute_url())
    expect_images_shown(owner_page, "ol.results .side-by-side img", 2)
