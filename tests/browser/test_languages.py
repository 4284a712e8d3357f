"""A Spanish browser gets Reunite in Spanish: pages, messages and the owner's language for emails.

The expected words come from the catalogue (gettext under translation.override), never typed
here, and each is checked to differ from the English, so the test fails on an untranslated page.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect

from dogs.models import Owner
from tests.support.browser import screenshot

from .test_journeys import sign_up_and_register_rex
from .ui import photo_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def spanish(text: str) -> str:
    with translation.override("es"):
        translated = translation.gettext(text)
    assert translated != text, f"no Spanish for {text!r}"
    return translated


def test_a_spanish_phone_gets_spanish_pages_and_the_owner_their_language(new_page, tmp_path):
    page = new_page(locale="es-ES", viewport=PHONE)

    sign_up_and_register_rex(page, [photo_file(tmp_path, 11)], words=spanish)
    with translation.override("es"):
        registered = translation.ngettext(
            "%(name)s is registered with %(count)s photo.", "%(name)s is registered with %(count)s photos.", 1
        )
    expect(page.get_by_role("status")).to_contain_text(registered % {"name": "Rex", "count": 1})
    screenshot(page, "phone-spanish-dog-page")

    # Their emails (alerts, password reset) will be written in Spanish (tests/test_translations.py).
    assert Owner.objects.get(user__username="ada").language == "es"
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    screenshot(page, "phone-spanish-home")


def test_the_language_switcher_changes_the_pages(new_page):
    page = new_page()
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switcher = page.locator("form.language-form")
    switcher.get_by_label("Language").select_option("de")
    switcher.get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    with translation.override("de"):
        sign_up = translation.gettext("Sign up")
    assert sign_up != "Sign up"
    expect(page.locator("nav.site-nav").get_by_role("link", name=sign_up, exact=True)).to_be_visible()
