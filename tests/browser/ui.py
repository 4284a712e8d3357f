"""What the browser tests do on every page: find a field, log in, hand over a photo."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.factories import PASSWORD
from tests.support.photos import image_bytes, make_image


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


def nav(page: Page, name: str) -> None:
    """Follow a link of the main navigation, opening the phone menu and its group as a person would."""
    main = page.locator("nav.site-nav")  # (its accessible name is in the page's language)
    link = main.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        toggle = page.locator("details.nav-toggle")
        if toggle.count() and toggle.is_visible() and toggle.get_attribute("open") is None:
            toggle.locator("summary").first.click()
        # A link inside a closed <details> is not in the accessibility tree, so find its menu by text.
        text = page.locator("a").filter(has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))
        menu = main.locator("details.menu").filter(has=text)
        if menu.count() and menu.first.get_attribute("open") is None:
            menu.first.locator("summary").first.click()
    link.click()


def log_in(page: Page, username: str) -> None:
    page.goto("/")
    nav(page, "Log in")
    field(page, "Username").fill(username)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My dogs")).to_be_visible()
