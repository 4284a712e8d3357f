"""The catalogues: complete, current with the source, and used by pages, emails and posters.

Until the translators fill locale/es and locale/de, the tests that need a translation fail and say
which msgid waits for one: none is skipped, so an untranslated release cannot pass.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape
from PIL import PdfParser

from dogs.models import Owner
from reunions.models import LostReport
from tests.factories import make_dog, make_owner
from tests.support import translations

CATALOGUES = [
    translations.LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
    for language in translations.LANGUAGES
    for domain in translations.DOMAINS
]


def _entries(path: Path) -> dict[str, polib.POEntry]:
    return {entry.msgid: entry for entry in polib.pofile(str(path)) if not entry.obsolete}


def translated(msgid: str, language: str = "es") -> str:
    """The catalogue's translation of msgid (its singular form); fails while the translators have not given one."""
    entry = _entries(translations.LOCALE / language / "LC_MESSAGES" / "django.po").get(msgid)
    assert entry is not None, f"{msgid!r} is not in the {language} catalogue: run `make messages`"
    text = entry.msgstr or entry.msgstr_plural.get(0, "")
    assert text and "fuzzy" not in entry.flags, f"{msgid!r} waits for its {language} translation"
    assert text != msgid, f"{msgid!r} is 'translated' to itself in {language}"
    return text


def shown(text: str, html: str) -> bool:
    return text in html or escape(text) in html


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: "/".join(path.parts[-3::2]))
def test_every_entry_is_translated(path):
    assert path.is_file(), f"{path} is missing: run `make messages`"
    catalogue = polib.pofile(str(path))
    problems = [f"untranslated: {entry.msgid!r}" for entry in catalogue.untranslated_entries()]
    problems += [f"fuzzy: {entry.msgid!r}" for entry in catalogue.fuzzy_entries()]
    if catalogue.metadata_is_fuzzy:
        problems.append("fuzzy: the header")
    assert not problems, f"{path.relative_to(translations.ROOT)}: {len(problems)} to do\n" + "\n".join(problems)


def test_the_catalogues_have_every_msgid_of_the_source(tmp_path):
    # makemessages on a copy of the source, so the catalogues in git are only read.
    copy = tmp_path / "source"
    shutil.copytree(
        translations.ROOT,
        copy,
        ignore=shutil.ignore_patterns(".*", "__pycache__", "locale", *translations.IGNORE),
    )
    translations.make_messages(languages=("es",), root=copy)
    missing = []
    for domain in translations.DOMAINS:
        in_source = set(_entries(copy / "locale" / "es" / "LC_MESSAGES" / f"{domain}.po")) - {""}
        for language in translations.LANGUAGES:
            path = translations.LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
            in_catalogue = set(_entries(path)) if path.is_file() else set()
            missing += [f"{language}/{domain}.po lacks {msgid!r}" for msgid in sorted(in_source - in_catalogue)]
    assert not missing, "run `make messages`:\n" + "\n".join(missing)


@pytest.mark.django_db
def test_the_home_page_comes_in_spanish(client):
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert '<html lang="es">' in html
    assert shown(translated("Get found dogs home"), html)
    assert "Get found dogs home" not in html


@pytest.mark.django_db
def test_the_register_dog_form_comes_in_spanish(client):
    client.force_login(make_owner("ana").user)

    html = client.get(reverse("dogs:create"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    help_text = "One or more clear photos: JPEG, PNG, WebP, GIF, BMP, HEIC or TIFF."
    assert shown(translated(help_text), html), "a form's help text, from Python"
    assert shown(translated("Register a dog"), html), "the template's own words"
    assert help_text not in html


@pytest.mark.django_db
def test_each_owner_gets_the_match_alert_in_their_own_language(record_found, report_lost, run_worker):
    spanish = make_owner("ana", email="ana@example.com")
    english = make_owner("bob", email="bob@example.com")
    Owner.objects.filter(pk=spanish.pk).update(language="es")
    report_lost(make_dog(spanish, "Rex", seeds=(14,)))
    report_lost(make_dog(english, "Max", seeds=(14,)))

    record_found(seeds=(14,))  # one found dog, like both
    run_worker()

    to = {message.to[0]: message for message in mail.outbox if message.to[0] in ("ana@example.com", "bob@example.com")}
    assert to["ana@example.com"].subject == translated("Reunite: a found dog may be %(name)s") % {"name": "Rex"}
    assert translated("We hope %(name)s is home soon.") % {"name": "Rex"} in to["ana@example.com"].body
    assert to["bob@example.com"].subject == "Reunite: a found dog may be Max"
    assert "We hope Max is home soon." in to["bob@example.com"].body


@pytest.fixture
def public_lost_report(report_lost) -> LostReport:
    report = report_lost(make_dog(make_owner("ana"), "Luna", seeds=(3,)))
    report.public, report.public_contact = True, "Call 0800 LUNA"
    report.save()
    return report


@pytest.mark.django_db
def test_the_poster_page_comes_in_spanish(client, public_lost_report):
    client.force_login(public_lost_report.dog.owner.user)

    html = client.get(
        reverse("public:poster", args=[public_lost_report.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    assert shown(translated("Scan for photos and updates"), html)
    assert "Scan for photos and updates" not in html


@pytest.mark.django_db
def test_the_pdf_poster_comes_in_spanish(client, public_lost_report):
    client.force_login(public_lost_report.dog.owner.user)

    response = client.get(reverse("public:poster_pdf", args=[public_lost_report.pk]), HTTP_ACCEPT_LANGUAGE="es")

    # The page itself is a picture: its document title is the text a test can read.
    info = PdfParser.PdfParser(buf=response.content).info
    assert PdfParser.decode_text(info[b"Title"]) == translated("Lost dog")
