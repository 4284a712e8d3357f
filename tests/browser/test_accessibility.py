"""Every page, as each kind of visitor sees it, at desktop and phone widths: axe-core finds no
serious or critical violation (WCAG 2.x A/AA, contrast included) and nothing scrolls sideways.

PAGES names every page of the site; `test_every_page_is_checked` fails when a new page is added
without being listed here (or in NOT_PAGES, for addresses that answer with a file, a redirect or
only to a POST).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reunions.models import Claim
from shelters.models import Invitation, Membership, WebhookSubscription
from shelters.services import create_api_key, invite, subscribe
from tests.factories import PASSWORD, make_dog, make_owner
from tests.support.browser import screenshot

from .ui import field, log_in, photo_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
# The narrowest width the issue asks for (most Android phones are 360 CSS pixels wide).
PHONE = {"width": 360, "height": 740}
BLOCKING = {"serious", "critical"}

# Addresses that are not pages: files, redirects and POST-only actions.
NOT_PAGES = {
    "logout", "send_verification", "download_data", "health", "set_language", "javascript-catalog", None,
    "dogs:contact", "dogs:photo_add", "dogs:photo_image", "dogs:photo_thumbnail", "dogs:photo_display",
    "dogs:photo_dog", "reunions:review", "reunions:found_photo", "reunions:found_photo_dog", "reunions:lost_home",
    "reunions:claim_found_photo", "reunions:claim_owner_photo", "reunions:claim_resolve",
    "public:found_thumbnail", "public:lost_photo", "public:poster_png", "public:poster_pdf",
    "reunions:found_outcome", "shelters:acting_for", "shelters:edit", "shelters:invite", "shelters:cancel_invitation",
    "shelters:remove_member", "shelters:change_role", "shelters:create_key", "shelters:revoke_key",
    "shelters:add_webhook", "shelters:delete_webhook",
}  # fmt: skip
# The API answers JSON to shelter software; its docs page is drf-spectacular's Swagger UI, not ours to restyle.
NOT_PAGE_NAMESPACES = {"admin", "api"}


@dataclass
class World:
    dog: object
    lost: object
    found: object
    photo: object
    invitation: object = None
    shelter: object = None


@pytest.fixture
def world(staff, shelter, record_found, report_lost):
    owner = make_owner("ana", phone="+1 555 0177")
    dog = make_dog(owner, name="Rex", seeds=(11, 12), breed="Border Collie")
    lost = report_lost(dog)
    lost.public, lost.contact = True, "+1 555 0177"
    lost.save()
    found = record_found(seeds=(11,), breed="Border Collie")
    Claim.objects.create(owner=owner, found_report=found, dog_photo=dog.photos.first(), message="He is mine")
    # sam runs the shelter, so its settings page has something in every section.
    Membership.objects.filter(user=staff, shelter=shelter).update(role=Membership.Role.ADMIN)
    invitation = invite(Invitation(email="kim@shelter.example"), shelter, staff)
    create_api_key(shelter, "Intake desk", staff)
    subscribe(WebhookSubscription(url="https://software.example/hook", events=["found.created"]), shelter, staff)
    User.objects.create_superuser("root", "root@reunite.example", PASSWORD)
    return World(dog=dog, lost=lost, found=found, photo=dog.photos.first(), invitation=invitation, shelter=shelter)


def anonymous_pages(w: World) -> dict[str, str]:
    return {
        "home": reverse("home"),
        "login": reverse("login"),
        "signup": reverse("signup"),
        "password_reset": reverse("password_reset"),
        "password_reset_done": reverse("password_reset_done"),
        "password_reset_confirm": reverse("password_reset_confirm", args=["MQ", "not-a-token"]),
        "password_reset_complete": reverse("password_reset_complete"),
        "verify_email": reverse("verify_email", args=["not-a-token"]),
        "public:found_list": reverse("public:found_list"),
        "public:found_detail": reverse("public:found_detail", args=[w.found.pk]),
        "public:lost_detail": reverse("public:lost_detail", args=[w.lost.pk]),
        "404": "/no-such-page/",
        "shelters:accept": reverse("shelters:accept", args=[w.invitation.token]),
        "used or unknown invitation": reverse("shelters:accept", args=["not-a-token"]),
    }


def owner_pages(w: World) -> dict[str, str]:
    return {
        "dogs:my_dogs": reverse("dogs:my_dogs"),
        "dogs:create": reverse("dogs:create"),
        "dogs:detail": reverse("dogs:detail", args=[w.dog.pk]),
        "dogs:edit": reverse("dogs:edit", args=[w.dog.pk]),
        "dogs:delete": reverse("dogs:delete", args=[w.dog.pk]),
        "dogs:photo_delete": reverse("dogs:photo_delete", args=[w.photo.pk]),
        "dogs:profile": reverse("dogs:profile"),
        "password_change": reverse("password_change"),
        "delete_account": reverse("delete_account"),
        "reunions:lost_create": reverse("reunions:lost_create", args=[w.dog.pk]),
        "reunions:lost_detail": reverse("reunions:lost_detail", args=[w.lost.pk]),
        "public:mine": reverse("public:mine"),
        "public:found_search": reverse("public:found_search"),
        "public:claim_create": reverse("public:claim_create", args=[w.found.pk]),
        "public:lost_share": reverse("public:lost_share", args=[w.lost.pk]),
        "public:poster": reverse("public:poster", args=[w.lost.pk]),
        "403": reverse("reunions:dashboard"),
    }


def staff_pages(w: World) -> dict[str, str]:
    return {
        "reunions:dashboard": reverse("reunions:dashboard"),
        "reunions:found_create": reverse("reunions:found_create"),
        "reunions:found_detail": reverse("reunions:found_detail", args=[w.found.pk]),
        "search:find_owner": reverse("search:find_owner"),
        "staff on dogs:detail": reverse("dogs:detail", args=[w.dog.pk]),
        "staff on reunions:lost_detail": reverse("reunions:lost_detail", args=[w.lost.pk]),
        "shelters:mine": reverse("shelters:mine"),
        "shelters:settings": reverse("shelters:settings", args=[w.shelter.pk]),
    }


def network_admin_pages(w: World) -> dict[str, str]:
    return {
        "reunions:shelter_create": reverse("reunions:shelter_create"),
        "staff without a shelter": reverse("reunions:dashboard"),
    }


def route_names(patterns=None, namespace=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace not in NOT_PAGE_NAMESPACES:
                yield from route_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name


def blocking_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}) at {node['target']}: {node['failureSummary']}".replace("\n", " ")
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
        for node in violation["nodes"][:3]
    ]


def check(page, name: str, problems: list[str], viewport: dict) -> None:
    for violation in blocking_violations(page):
        problems.append(f"{name}: {violation}")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > viewport["width"]:
        problems.append(f"{name}: {width} px wide in a {viewport['width']} px window")


def visit_all(page, pages: dict[str, str], problems: list[str], viewport: dict) -> None:
    for name, path in pages.items():
        page.goto(path)
        check(page, name, problems, viewport)


def test_every_page_is_checked(db):
    world = World(dog=type("D", (), {"pk": 1}), lost=type("L", (), {"pk": 1}), found=type("F", (), {"pk": 1}),
                  photo=type("P", (), {"pk": 1}), invitation=type("I", (), {"token": "t"}),
                  shelter=type("S", (), {"pk": 1}))  # fmt: skip
    checked = {*anonymous_pages(world), *owner_pages(world), *staff_pages(world), *network_admin_pages(world)}
    unchecked = {name for name in route_names() if name not in NOT_PAGES and name not in checked}
    assert not unchecked, f"pages no accessibility test visits: {sorted(unchecked)}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_page_has_a_serious_accessibility_violation_or_scrolls_sideways(world, new_page, viewport, tmp_path):
    problems: list[str] = []

    visitor = new_page()
    visitor.set_viewport_size(viewport)
    visit_all(visitor, anonymous_pages(world), problems, viewport)
    visitor.goto(reverse("signup"))
    visitor.get_by_role("button", name="Sign up").click()
    check(visitor, "signup with errors", problems, viewport)

    owner = new_page()
    owner.set_viewport_size(viewport)
    log_in(owner, "ana")
    visit_all(owner, owner_pages(world), problems, viewport)
    owner.goto(reverse("public:found_search"))
    field(owner, "Or a new photo").set_input_files(photo_file(tmp_path, 11))
    owner.get_by_role("button", name="Search").click()
    check(owner, "found_search results", problems, viewport)

    staff = new_page()
    staff.set_viewport_size(viewport)
    log_in(staff, "sam")
    visit_all(staff, staff_pages(world), problems, viewport)
    staff.goto(reverse("search:find_owner"))
    field(staff, "Photo of the found dog").set_input_files(photo_file(tmp_path, 11))
    staff.get_by_role("button", name="Search").click()
    check(staff, "find_owner results", problems, viewport)
    if viewport is PHONE:
        screenshot(staff, "phone-find-owner-results")

    root = new_page()
    root.set_viewport_size(viewport)
    log_in(root, "root")
    visit_all(root, network_admin_pages(world), problems, viewport)

    assert not problems, "\n".join(problems)
