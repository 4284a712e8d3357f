"""What the browser tests do on every page: find a field, log in, hand over a photo."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.support.photos import image_bytes, make_image

PASSWORD = "correct-horse-battery"


def photo_file(folder: Path, seed: int) -> Path:
    path = folder / f"dog-{seed}.jpg"
    path.write_bytes(image_bytes(make_image(seed)))
    return path


def field(page: Page, label: str) -> Locator:
    # Exact, ignoring the colon Django's label_suffix adds ("Password" must not match "Password confirmation").
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def expect_images_shown(page: Page, selector: str, count: int) -> None:
    images = page.locator(selector)
    expect(images).to_have_count(count)
    for image in images.all():
        image.scroll_into_view_if_needed()
        # A broken image (403/404, wrong content type) completes with naturalWidth 0.
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0


def log_in(page: Page, username: str) -> None:
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="Log in").click()
    field(page, "Username").fill(username)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My dogs")).to_be_visible()
