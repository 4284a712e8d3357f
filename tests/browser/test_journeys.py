"""The main journeys through the real UI: an owner registers, staff find them, others see nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dogs.models import Dog
from tests.factories import make_dog, make_owner, make_staff
from tests.support.browser import screenshot
from worker.loop import drain

from .ui import PASSWORD, expect_images_shown, field, log_in, nav, photo_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADA = {"username": "ada", "name": "Ada Lovelace", "email": "ada@example.com", "phone": "+44 20 7946 0011"}


def english(text: str) -> str:
    return text


def sign_up_and_register_rex(
    page: Page, photos: list[Path], *, screenshots: bool = False, words: Callable[[str], str] = english
) -> None:
    """Sign Ada up and register Rex; `words` gives what the labels say in the page's language."""
    page.goto("/")
    if screenshots:
        screenshot(page, "home")
    nav(page, words("Sign up"))
    expect(page.get_by_role("heading", name=words("Create your owner account"))).to_be_visible()
    field(page, words("Username")).fill(ADA["username"])
    field(page, words("Your name")).fill(ADA["name"])
    field(page, words("Email")).fill(ADA["email"])
    field(page, words("Phone")).fill(ADA["phone"])
    field(page, words("City or address")).fill("London")
    field(page, words("Password")).fill(PASSWORD)
    field(page, words("Password confirmation")).fill(PASSWORD)
    if screenshots:
        screenshot(page, "signup")
    page.get_by_role("button", name=words("Sign up")).click()

    expect(page.get_by_role("heading", name=words("Register a dog"))).to_be_visible()
    welcome = words(
        "Welcome to Reunite! Register your dog so shelters can find you. We sent a link to %(email)s: "
        "open it so that alerts about found dogs can reach you."
    )
    expect(page.get_by_role("status")).to_contain_text(welcome % {"email": ADA["email"]})
    field(page, words("Name")).fill("Rex")
    field(page, words("Breed")).fill("Border Collie")
    field(page, words("Sex")).select_option(label=words("Male"))
    field(page, words("Photos")).set_input_files(photos)
    if screenshots:
        expect_images_shown(page, ".upload-previews img", len(photos))
        screenshot(page, "register-previews")
    page.get_by_role("button", name=words("Register")).click()
    expect(page.get_by_role("heading", name="Rex", exact=True)).to_be_visible()


def test_it_lets_an_owner_sign_up_and_register_a_dog_with_two_photos(page, tmp_path):
    sign_up_and_register_rex(page, [photo_file(tmp_path, 11), photo_file(tmp_path, 12)], screenshots=True)

    expect(page.get_by_role("status")).to_contain_text("Rex is registered with 2 photos.")
    # The page answers before the photos are embedded: that is the background worker's job.
    expect(page.get_by_text("Not searchable yet")).to_have_count(2)
    drain()
    page.reload()
    expect(page.get_by_text("Not searchable yet")).to_have_count(0)
    expect_images_shown(page, "ul.photos img", 2)
    # The owner sees their own contact card, as staff will.
    expect(page.locator(".contact")).to_contain_text(ADA["phone"])
    screenshot(page, "dog-page")

    nav(page, "My dogs")
    rex = page.locator(".dog-card").filter(has_text="Rex")
    expect(rex).to_contain_text("Border Collie · Male")
    expect(rex).to_contain_text("2 photos")
    expect_images_shown(page, ".dog-card img", 1)
    screenshot(page, "my-dogs")


def test_it_shows_staff_the_dog_an_owner_registered_first_with_the_owners_contact(new_page, tmp_path):
    rex_photo = photo_file(tmp_path, 11)
    sign_up_and_register_rex(new_page(), [rex_photo, photo_file(tmp_path, 12)])
    for username, seed in (("bea", 21), ("cal", 31)):
        make_dog(make_owner(username), name=f"Dog of {username}", seeds=(seed, seed + 1))
    make_staff("sam")

    page = new_page()
    log_in(page, "sam")
    nav(page, "Find owner by photo")
    expect(page.get_by_role("heading", name="Find owner by photo")).to_be_visible()
    field(page, "Photo of the found dog").set_input_files(rex_photo)
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name="Matches")).to_be_visible()
    results = page.locator("ol.results > li")
    expect(results).to_have_count(3)
    first = results.first
    expect(first.get_by_role("heading")).to_have_text("Rex")
    expect(first.get_by_role("link", name=ADA["phone"])).to_have_attribute("href", f"tel:{ADA['phone']}")
    expect(first.get_by_role("link", name=ADA["email"])).to_have_attribute("href", f"mailto:{ADA['email']}")
    expect_images_shown(page, "ol.results img", 6)
    screenshot(page, "search-results")

    first.get_by_role("link", name="Rex").click()
    expect(page.locator(".contact")).to_contain_text(ADA["email"])
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)


def test_it_never_shows_another_owner_the_first_owners_dog_or_contact(page):
    alice = make_owner("alice", phone="+1 555 0111")
    rex = make_dog(alice, name="Rex", seeds=(11, 12))
    make_owner("bob", phone="+1 555 0222")

    log_in(page, "bob")
    expect(page.get_by_text("You have not registered a dog yet.")).to_be_visible()
    body = page.locator("body")
    for secret in ("Rex", "alice@example.com", "+1 555 0111"):
        expect(body).not_to_contain_text(secret)
    expect(page.get_by_role("link", name="Find owner by photo")).to_have_count(0)

    assert page.goto(f"/dogs/{rex.pk}/").status == 404
    expect(body).not_to_contain_text("alice@example.com")
    assert page.goto("/search/find-owner/").status == 403
    photo = rex.photos.first()
    assert page.goto(f"/dogs/photos/{photo.pk}/image/").status == 404


def test_it_keeps_the_typed_dog_name_when_a_photo_is_not_an_image(page, tmp_path):
    make_owner("bob")
    fake = tmp_path / "photo.jpg"
    fake.write_text("this is not a photo\n")

    log_in(page, "bob")
    nav(page, "Register a dog")
    field(page, "Name").fill("Biscuit")
    field(page, "Breed").fill("Beagle")
    field(page, "Photos").set_input_files(fake)
    # Named .jpg, so only decoding it shows it is not a photo; the note does not stop the form.
    expect(page.locator(".upload-notes")).to_have_text("photo.jpg could not be opened as an image and will be refused.")
    page.get_by_role("button", name="Register").click()

    expect(page.locator(".field.has-error")).to_contain_text("photo.jpg: This file is not a supported image.")
    expect(field(page, "Name")).to_have_value("Biscuit")
    expect(field(page, "Breed")).to_have_value("Beagle")
    expect(page).to_have_url(re.compile(r"/dogs/new/$"))
    assert not Dog.objects.exists()
    screenshot(page, "register-error")
