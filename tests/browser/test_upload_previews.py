"""Thumbnails of the chosen photos, and notes on files the server would refuse, before upload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dogs.models import Dog
from tests.factories import make_owner, make_staff
from tests.support.browser import screenshot
from tests.support.photos import image_bytes, make_image

from .ui import expect_images_shown, field, log_in, nav, photo_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_the_chosen_photos_and_a_note_on_a_text_file_before_registering(page, tmp_path):
    make_owner("bob")
    first, second = photo_file(tmp_path, 11), photo_file(tmp_path, 12)
    text = tmp_path / "notes.txt"
    text.write_text("not a photo\n")

    log_in(page, "bob")
    nav(page, "Register a dog")
    photos = field(page, "Photos")
    previews = page.locator(".upload-previews")

    photos.set_input_files([first, text])
    expect_images_shown(page, ".upload-previews img", 1)
    expect(previews.locator("img")).to_have_attribute("alt", "dog-11.jpg")
    expect(previews.locator(".upload-item.is-problem")).to_contain_text("notes.txt")
    expect(page.locator(".upload-notes[aria-live=polite]")).to_have_text(
        "notes.txt is not a photo this form accepts and will be refused."
    )
    screenshot(page, "register-preview-note")

    # A new choice replaces the previews and clears the note.
    photos.set_input_files([first, second])
    expect_images_shown(page, ".upload-previews img", 2)
    assert [img.get_attribute("alt") for img in previews.locator("img").all()] == ["dog-11.jpg", "dog-12.jpg"]
    expect(previews.locator(".upload-name")).to_have_text(["dog-11.jpg", "dog-12.jpg"])
    expect(page.locator(".upload-note")).to_have_count(0)

    field(page, "Name").fill("Biscuit")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_contain_text("Biscuit is registered with 2 photos.")
    assert Dog.objects.get().photos.count() == 2


def test_it_warns_of_a_photo_over_the_servers_size_limit(page, settings, tmp_path):
    settings.PHOTO_MAX_UPLOAD_BYTES = 50 * 1024
    make_staff("sam")
    big = tmp_path / "big.jpg"
    big.write_bytes(image_bytes(make_image(5, (1600, 1200)), quality=100))
    assert big.stat().st_size > 50 * 1024

    log_in(page, "sam")
    page.goto("/search/find-owner/")
    expect(field(page, "Photo of the found dog")).to_have_attribute("data-max-bytes", str(50 * 1024))
    field(page, "Photo of the found dog").set_input_files(big)

    expect(page.locator(".upload-previews img")).to_have_count(0)
    expect(page.locator(".upload-item.is-problem")).to_contain_text("Too large")
    expect(page.locator(".upload-notes")).to_contain_text("over the 50 KB limit for a photo")
