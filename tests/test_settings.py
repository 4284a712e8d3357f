"""Settings come from the environment, and the README documents every variable they read."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings_in_a_fresh_process(env: dict[str, str], expression: str):
    code = f"import json, django; django.setup(); from django.conf import settings; print(json.dumps({expression}))"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "shelter.settings", **env}
    out = subprocess.run([sys.executable, "-c", code], env=environment, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_readme_documents_every_environment_variable_the_settings_read():
    source = (ROOT / "shelter" / "settings.py").read_text()
    readme = (ROOT / "README.md").read_text()
    names = set(re.findall(r"\benv(?:bool|int|float|secret)?\(\s*\"([A-Z0-9_]+)\"", source))

    assert len(names) > 30, "the pattern still finds the settings' variables"
    assert sorted(name for name in names if f"`{name}`" not in readme) == []


def test_the_cache_is_shared_when_the_environment_says_so(tmp_path):
    default = settings_in_a_fresh_process({}, "settings.CACHES['default']")
    shared = settings_in_a_fresh_process(
        {"CACHE_BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "CACHE_LOCATION": str(tmp_path)},
        "settings.CACHES['default']",
    )

    assert default["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shared == {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
