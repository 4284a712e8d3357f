"""The pages work under their Content-Security-Policy: no script, style or image is blocked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from dogs.models import Dog
from reunions import services
from reunions.models import FoundReport, LostReport, Shelter
from tests.factories import checked_uploads, make_dog, make_owner, make_staff

from .ui import expect_images_shown, field, log_in, nav, photo_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Injected by the browser before any page script, so it sees every violation, and a print dialog
# that a headless browser would not show is recorded instead.
WATCH = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
window.print = () => { window.printed = true; };
"""


@pytest.fixture
def watched(page: Page) -> Page:
    page.add_init_script(WATCH)
    return page


def violations(page: Page) -> list[str]:
    return page.evaluate("window.cspViolations")


def test_upload_previews_still_show_under_the_policy(watched, tmp_path):
    make_owner("bob")
    log_in(watched, "bob")
    nav(watched, "Register a dog")

    field(watched, "Photos").set_input_files([photo_file(tmp_path, 11), photo_file(tmp_path, 12)])

    expect_images_shown(watched, ".upload-previews img", 2)
    assert violations(watched) == []


def test_public_pages_with_json_ld_and_photos_break_nothing(watched):
    shelter = Shelter.objects.create(name="Northside", phone="+1 555 0199")
    found_at = timezone.now() - timedelta(days=1)
    report = FoundReport(shelter=shelter, found_at=found_at, place="Harbour", hold_until=found_at.date())
    services.record_found_dog(report, Dog(name="Found 1"), checked_uploads((31,)), make_staff())

    for path in ("/", "/found-dogs/", f"/found-dogs/{report.pk}/"):
        watched.goto(path)
        expect(watched.locator("main")).to_be_visible()
        assert violations(watched) == [], path
    assert watched.locator('script[type="application/ld+json"]').count() == 1
    expect_images_shown(watched, "main img", 1)


def test_the_posters_print_button_works_from_its_script_file(watched):
    dog = make_dog(make_owner("bob"), "Rex", index=False)
    report = LostReport.objects.create(dog=dog, lost_at=timezone.now(), place="Park", public=True)
    log_in(watched, "bob")

    watched.goto(f"/lost-dogs/{report.pk}/poster/")
    watched.get_by_role("button", name="Print").click()

    assert watched.evaluate("window.printed") is True
    expect_images_shown(watched, ".poster-photo", 1)
    assert violations(watched) == []


def test_the_admin_works_under_the_policy(watched):
    dog = make_dog(make_owner("bob"), "Rex", index=False)
    staff = make_staff("sam")
    staff.is_superuser = True
    staff.save()
    log_in(watched, "sam")

    watched.goto(f"/admin/dogs/dog/{dog.pk}/change/")
    expect(watched.get_by_role("heading", name="Change dog")).to_be_visible()
    expect_images_shown(watched, "img[src*='thumbnail']", 1)

    assert violations(watched) == []
