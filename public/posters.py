"""Lost-dog posters drawn with Pillow (PNG and PDF) and the QR code that leads to the public page.

Only a `PublicLostDog` card goes in, so a poster can show nothing the public page would not.
"""

from __future__ import annotations

import io
from functools import cache

import qrcode
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, ImageOps
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage

from .services import PublicLostDog

# Paper sizes in millimetres. The layout is worked out from the page size, so both fit.
PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
DPI = 150
# Enough pixels for the photo box at 150 dpi; larger originals decode at a reduced scale.
PHOTO_SIDE = 1600
MARGIN_MM = 12
RED = (180, 35, 24)
INK = (31, 41, 51)
MUTED = (82, 96, 109)
WHITE = (255, 255, 255)


def _qr(url: str) -> qrcode.QRCode:
    # Level M survives a crease or a smudge on a printed poster; the 4-module quiet zone is the standard's.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_svg(url: str) -> str:
    """An inline SVG of the QR code: sharp at any print size."""
    return _qr(url).make_image(image_factory=SvgPathImage).to_string(encoding="unicode")


def qr_image(url: str, side: int) -> Image.Image:
    image = _qr(url).make_image(image_factory=PilImage).get_image().convert("RGB")
    # Whole pixels per module, scaled without smoothing, so every module stays a crisp square.
    modules = image.width // 10
    return image.resize((max(1, side // modules) * modules,) * 2, Image.Resampling.NEAREST)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _mm(value: float) -> int:
    return round(value / 25.4 * DPI)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap; a word longer than the line is cut, and the last line ends in an ellipsis."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while draw.textlength(line, font=font) > width:
            cut = len(line)
            while cut > 1 and draw.textlength(line[:cut], font=font) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and draw.textlength(f"{last}…", font=font) > width:
            last = last[:-1]
        lines[-1] = f"{last.rstrip()}…"
    return lines


def _text_block(draw, top: int, left: int, width: int, text: str, size: int, fill, max_lines: int, centre=False):
    """Draw wrapped text from `top`; returns the y below it."""
    font = _font(size)
    for line in _wrap(draw, text, font, width, max_lines):
        x = left + (width - draw.textlength(line, font=font)) // 2 if centre else left
        draw.text((x, top), line, font=font, fill=fill)
        top += round(size * 1.25)
    return top


def render_poster(dog: PublicLostDog, photo: Image.Image | None, url: str, paper: str = "a4") -> Image.Image:
    width_mm, height_mm = PAPERS[paper]
    width, height = _mm(width_mm), _mm(height_mm)
    margin = _mm(MARGIN_MM)
    inner = width - 2 * margin
    page = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(page)

    band = round(height * 0.09)
    draw.rectangle((0, 0, width, band), fill=RED)
    title = _font(round(band * 0.62))
    # Drawn in the language of the request that asked for the poster, like its HTML page.
    heading = _("LOST DOG")
    text_w = draw.textlength(heading, font=title)
    draw.text(((width - text_w) // 2, band // 2), heading, font=title, fill=WHITE, anchor="lm")

    top = band + margin // 2
    photo_box = (inner, round(height * 0.38))
    if photo is not None:
        fitted = ImageOps.contain(photo, photo_box, Image.Resampling.LANCZOS)
        page.paste(fitted, (margin + (inner - fitted.width) // 2, top + (photo_box[1] - fitted.height) // 2))
    top += photo_box[1] + margin // 2

    top = _text_block(draw, top, margin, inner, dog.name, round(height * 0.045), INK, 1, centre=True)
    if dog.looks:
        top = _text_block(draw, top, margin, inner, dog.looks, round(height * 0.022), INK, 2, centre=True)
    seen = _("Last seen near %(place)s on %(date)s") % {"place": dog.place, "date": date_format(dog.lost_on, "d M Y")}
    top = _text_block(draw, top + margin // 3, margin, inner, seen, round(height * 0.022), INK, 2, centre=True)
    if dog.contact:
        contact = _("Please call or write: %(contact)s") % {"contact": dog.contact}
    else:
        contact = _("Seen this dog? Scan the code below.")
    _text_block(draw, top + margin // 3, margin, inner, contact, round(height * 0.026), RED, 2, centre=True)

    qr_side = _mm(50)
    code = qr_image(url, qr_side)
    qr_top = height - margin - code.height
    page.paste(code, (width - margin - code.width, qr_top))
    text_w = inner - code.width - margin // 2
    below = _text_block(draw, qr_top + margin, margin, text_w, _("Scan for photos and updates"), _mm(6), INK, 2)
    _text_block(draw, below + margin // 3, margin, text_w, url, _mm(4), MUTED, 3)
    return page


def poster_bytes(page: Image.Image, format: str) -> bytes:
    buffer = io.BytesIO()
    if format == "PDF":
        # At this resolution the page is exactly the paper size in points.
        page.save(buffer, format="PDF", resolution=DPI, title=_("Lost dog"), producer="Reunite")
    else:
        page.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
