from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from shelter.logging import JsonFormatter

ROOT = Path(__file__).resolve().parents[1]


def _record(message: str, *args: object, exc_info=None, extra: dict | None = None) -> logging.LogRecord:
    logger = logging.getLogger("search.sync")
    return logger.makeRecord(logger.name, logging.WARNING, __file__, 1, message, args, exc_info, extra=extra)


def test_it_writes_one_json_object_per_line_with_the_extra_fields():
    record = _record("Index unavailable; %d change(s) kept for retry", 3, extra={"photo_ids": [1, 2], "backend": "es"})

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "search.sync"
    assert entry["message"] == "Index unavailable; 3 change(s) kept for retry"
    assert entry["time"].endswith("+00:00")
    assert entry["photo_ids"] == [1, 2] and entry["backend"] == "es"
    assert "args" not in entry and "msg" not in entry


def test_it_keeps_a_traceback_on_one_line():
    try:
        raise ValueError("bad\nvector")
    except ValueError:
        record = _record("embedding failed", exc_info=sys.exc_info())

    entry = json.loads(JsonFormatter().format(record))

    assert "ValueError: bad" in entry["exception"]


def test_values_json_cannot_encode_are_written_as_text():
    entry = json.loads(JsonFormatter().format(_record("request", extra={"request": object()})))

    assert entry["request"].startswith("<object object")


def test_log_format_json_switches_the_console_handler():
    code = "import django, logging; django.setup(); logging.getLogger('search.sync').warning('hello %s', 'json')"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shelter.settings", "LOG_FORMAT": "json"}

    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["message"] == "hello json" and entry["logger"] == "search.sync"
