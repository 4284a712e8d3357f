"""Compiled catalogues for the test run and `make install`: locale/*.mo from their .po, when stale.

The .mo files are build outputs (ignored by git). msgfmt comes from Debian's gettext, installed
with apt-get where this runs as root (CI, fresh containers); anyone else is told what to install.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from . import apt

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
LANGUAGES = ("es", "de")
DOMAINS = ("django", "djangojs")
# What makemessages leaves out: the virtualenv, build outputs, and tests (their strings are not the site's).
IGNORE = (".venv", ".cache", "test-artifacts", "tests", "bench", "media", "staticfiles")


class GettextNotFound(RuntimeError):
    pass


def stale() -> list[Path]:
    """The catalogues whose .mo is missing or older than their .po."""
    return [
        po
        for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]


def ensure_msgfmt() -> None:
    if shutil.which("msgfmt"):
        return
    if not apt.can_install():
        raise GettextNotFound(
            "msgfmt is missing: install GNU gettext ('apt-get install gettext' on Debian, run as root, "
            "and the set-up does this itself)."
        )
    apt.install("gettext", error=GettextNotFound)


def compile_catalogues() -> list[Path]:
    """Compile the stale catalogues (all of them, if any is stale); return the ones that were."""
    todo = stale()
    if todo:
        ensure_msgfmt()
        # compilemessages skips a .mo newer than its .po by itself; --ignore keeps it out of the virtualenv.
        subprocess.run(
            [sys.executable, "manage.py", "compilemessages", "--ignore=.venv", "--ignore=.cache", "--verbosity=0"],
            cwd=ROOT,
            check=True,
        )
    return todo


def make_messages(languages: tuple[str, ...] = LANGUAGES, root: Path = ROOT) -> None:
    """Update root's .po files from its source (`make messages`), as translators get them: no line numbers."""
    for domain in DOMAINS:
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                f"--domain={domain}",
                "--no-location",
                *(f"--locale={language}" for language in languages),
                *(f"--ignore={pattern}" for pattern in IGNORE),
                "--verbosity=0",
            ],
            cwd=root,
            check=True,
            capture_output=True,
        )


if __name__ == "__main__":
    if sys.argv[1:] == ["messages"]:
        make_messages()
    else:
        compile_catalogues()
