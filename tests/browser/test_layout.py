"""Layout checks a user would notice: pages that scroll sideways on a small phone."""

from __future__ import annotations

import pytest

from tests.factories import make_dog, make_owner, make_staff
from tests.support.browser import screenshot

from .ui import field, log_in, photo_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The narrowest phones still in use (iPhone SE 1st gen, many budget Androids).
PHONE = {"width": 320, "height": 640}
# An address without hyphens or dots for the browser to break at.
LONG_EMAIL = "rosamundpembertonwhitfield@shelterfriends.example.org"


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_it_fits_the_dog_page_and_search_results_on_a_small_phone(new_page, tmp_path):
    owner = make_owner("rosamund", email=LONG_EMAIL)
    rex = make_dog(owner, name="Rex", seeds=(11, 12))
    make_staff("sam")
    page = new_page()
    page.set_viewport_size(PHONE)
    log_in(page, "sam")

    page.goto(f"/dogs/{rex.pk}/")
    screenshot(page, "phone-dog-page")
    dog_page_width = page_width(page)

    page.goto("/search/find-owner/")
    field(page, "Photo of the found dog").set_input_files(photo_file(tmp_path, 11))
    page.get_by_role("button", name="Search").click()
    page.get_by_role("heading", name="Matches").wait_for()
    screenshot(page, "phone-search-results")
    result_box = page.locator("ol.results > li").first.bounding_box()

    assert dog_page_width <= PHONE["width"]
    assert page_width(page) <= PHONE["width"]
    assert result_box["x"] + result_box["width"] <= PHONE["width"]
