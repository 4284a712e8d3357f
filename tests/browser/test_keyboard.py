"""The three journeys the issue names, done with the keyboard alone: Tab to move, Enter or Space
to act, typing to fill. Every control the journey reaches shows where the focus is."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.factories import PASSWORD, make_dog, make_owner, make_staff
from worker.loop import drain

from .ui import field, photo_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOST_TABS = 80


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has the focus, and check the focus can be seen there."""
    for _ in range(MOST_TABS):
        if target.evaluate("element => element === document.activeElement"):
            style = target.evaluate(
                "element => { const s = getComputedStyle(element); return [s.outlineStyle, s.outlineWidth]; }"
            )
            assert style[0] != "none" and style[1] != "0px", f"no visible focus on {target}"
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{MOST_TABS} presses of Tab never reached {target}")


def press(page: Page, target: Locator, key: str = "Enter") -> None:
    tab_to(page, target)
    page.keyboard.press(key)


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def choose_files(page: Page, target: Locator, files) -> None:
    # The page's scripts must be running before Space can open the chooser.
    page.wait_for_load_state("load")
    tab_to(page, target)
    # On a loaded machine headless Chromium has once dropped the first Space (CI, 15 s without a
    # chooser); a person would press it again, and so does the test, still by keyboard only.
    for attempt in (1, 2):
        try:
            with page.expect_file_chooser(timeout=7_500) as chooser:
                page.keyboard.press("Space")
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            expect(target).to_be_focused()
    chooser.value.set_files(files)


def open_menu(page: Page, name: str) -> None:
    press(page, page.locator("details.menu > summary", has_text=name))


def log_in_by_keyboard(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    type_into(page, field(page, "Username"), username)
    type_into(page, field(page, "Password"), PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My dogs")).to_be_visible()


def test_an_owner_registers_a_dog_with_photos_by_keyboard(new_page, tmp_path):
    make_owner("ana")
    page = new_page()
    log_in_by_keyboard(page, "ana")

    open_menu(page, "My dogs")
    press(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Register a dog"))
    expect(page.get_by_role("heading", name="Register a dog")).to_be_visible()
    type_into(page, field(page, "Name"), "Rex")
    type_into(page, field(page, "Breed"), "Border Collie")
    type_into(page, field(page, "Sex"), "Male")
    choose_files(page, field(page, "Photos"), [photo_file(tmp_path, 11), photo_file(tmp_path, 12)])
    press(page, page.get_by_role("button", name="Register"))

    expect(page.get_by_role("heading", name="Rex", exact=True)).to_be_visible()
    expect(page.locator("ul.photos img")).to_have_count(2)
    expect(page.locator(".facts, .looks").first).to_contain_text("Male")


def test_staff_search_by_photo_and_reach_the_owner_by_keyboard(new_page, tmp_path):
    make_dog(make_owner("ana", phone="+1 555 0177"), name="Rex", seeds=(11,))
    drain()
    make_staff("sam")
    page = new_page()
    log_in_by_keyboard(page, "sam")

    open_menu(page, "Shelter")
    press(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Find owner by photo"))
    choose_files(page, field(page, "Photo of the found dog"), [photo_file(tmp_path, 11)])
    press(page, page.get_by_role("button", name="Search"))

    expect(page.get_by_role("heading", name="Matches")).to_be_visible()
    tab_to(page, page.get_by_role("link", name="+1 555 0177"))


def test_staff_confirm_a_reunion_by_keyboard(new_page, record_found):
    make_dog(make_owner("ana"), name="Rex", seeds=(11,))
    drain()
    found = record_found(seeds=(11,))
    page = new_page()
    log_in_by_keyboard(page, "sam")

    page.goto(found.get_absolute_url())
    type_into(page, field(page, "Notes for the reunion (optional)"), "Collected by Ana")
    press(page, page.get_by_role("button", name="Confirm: this is the dog"))

    expect(page.get_by_role("status")).to_contain_text("Reunion recorded: Rex is going home.")
