"""Headless Chromium for the browser tests, found on the machine or installed from Debian.

Playwright's own ``playwright install`` downloads from a CDN that CI cannot reach, so the
tests drive Debian's ``chromium`` package through Playwright's Chromium driver
(``executable_path``). On a Debian machine running as root (CI, fresh containers) a missing
Chromium is installed with apt-get; anywhere else the error says how to provide one.

Environment variables:

``REUNITE_CHROMIUM``
    Path to a Chromium (or Chrome) executable to use instead of looking for one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from . import apt

CHROMIUM_ENV = "REUNITE_CHROMIUM"
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")

# Without the background-networking flags Chromium keeps dialling Google services, and on a
# closed network those refused connections slow down or break page loads.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"


class ChromiumNotFound(RuntimeError):
    """Raised when no Chromium can be found or installed."""


def _executable(path: str | Path | None) -> Path | None:
    if path and os.path.isfile(path) and os.access(path, os.X_OK):
        return Path(path)
    return None


def _installed_chromium() -> Path | None:
    return _executable(DEBIAN_CHROMIUM) or _executable(shutil.which("chromium"))


def install_chromium() -> Path:
    """Install Debian's chromium with apt-get (root only); return its path."""
    # The fonts give screenshots real glyphs; chromium's other recommends (sandbox helper,
    # printing, desktop notifications) are of no use headless.
    apt.install("chromium", "fonts-liberation", error=ChromiumNotFound)
    found = _installed_chromium()
    if found is None:
        raise ChromiumNotFound("apt-get installed chromium, but /usr/bin/chromium is still missing.")
    return found


def find_chromium(*, install: bool = True) -> Path:
    """The Chromium to drive: ``REUNITE_CHROMIUM``, else Debian's, else install it if allowed."""
    explicit = os.environ.get(CHROMIUM_ENV, "").strip()
    if explicit:
        found = _executable(explicit)
        if found is None:
            raise ChromiumNotFound(f"{CHROMIUM_ENV}={explicit} is not an executable file.")
        return found
    found = _installed_chromium()
    if found:
        return found
    if install and apt.can_install():
        return install_chromium()
    raise ChromiumNotFound(
        "The browser tests need Chromium and none was found. Install it "
        "('apt-get install chromium' on Debian, run as root and the tests do this themselves) "
        f"or point {CHROMIUM_ENV} at a Chromium or Chrome executable. "
        "'playwright install' does not work offline."
    )


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/screenshots/<name>.png``."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    from playwright.sync_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError):
        # Lazy images below the fold would show as blank boxes in a full-page shot.
        page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(img => img.loading = 'eager')")
        page.wait_for_function("[...document.images].every(img => img.complete)", timeout=5_000)
    page.screenshot(path=str(path), full_page=True)
    return path
