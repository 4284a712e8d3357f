from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image

from tests.factories import make_owner, make_staff

pytestmark = pytest.mark.django_db


def public_url(report) -> str:
    return f"https://reunite.example.org{reverse('public:lost_detail', args=[report.pk])}"


def test_the_owner_gets_a_printable_poster(client, lost_luna):
    client.force_login(lost_luna.dog.owner.user)

    response = client.get(reverse("public:poster", args=[lost_luna.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "LOST DOG" in html and "Luna" in html and "Border Collie" in html and "Riverside" in html
    assert "Call 0800 LUNA" in html and public_url(lost_luna) in html
    assert '<img class="poster-photo" src="data:image/jpeg;base64,' in html
    assert "<svg" in html, "the QR code, inline"
    assert "spare key" not in html and "anastasia@" not in html


def test_it_warns_when_the_page_is_not_public(client, lost_luna):
    lost_luna.public = False
    lost_luna.save()
    client.force_login(lost_luna.dog.owner.user)

    html = client.get(reverse("public:poster", args=[lost_luna.pk])).content.decode()

    assert "is not public yet" in html


def test_no_one_else_gets_it(client, lost_luna):
    for user in (make_owner("mallory").user, make_staff("desk")):
        client.force_login(user)
        for name in ("public:poster", "public:poster_png", "public:poster_pdf"):
            assert client.get(reverse(name, args=[lost_luna.pk])).status_code == 404, (user, name)
    client.logout()
    assert client.get(reverse("public:poster", args=[lost_luna.pk])).status_code == 302


def test_a_closed_report_has_no_poster(client, lost_luna):
    client.force_login(lost_luna.dog.owner.user)
    client.post(reverse("reunions:lost_home", args=[lost_luna.pk]))

    assert client.get(reverse("public:poster", args=[lost_luna.pk])).status_code == 404


@pytest.mark.parametrize(("paper", "size"), [("", (1240, 1754)), ("letter", (1275, 1650))])
def test_the_png_has_a_qr_code_to_the_public_page(client, lost_luna, paper, size):
    client.force_login(lost_luna.dog.owner.user)

    response = client.get(reverse("public:poster_png", args=[lost_luna.pk]), {"paper": paper} if paper else {})

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    image = Image.open(io.BytesIO(response.content))
    assert image.size == size, "A4 or US Letter at 150 dpi"
    assert "exif" not in image.info
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [public_url(lost_luna)]


def test_the_pdf_is_a_pdf(client, lost_luna):
    client.force_login(lost_luna.dog.owner.user)

    response = client.get(reverse("public:poster_pdf", args=[lost_luna.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert re.search(rb"/MediaBox \[ ?0 0 595\.\d* 841\.\d* ?\]", response.content), "A4 in points"
