"""Misconfiguration is a system check, reported before the first request."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import override_settings


def ids(**kwargs) -> set[str]:
    return {message.id for message in run_checks(**kwargs)}


def test_the_default_configuration_passes():
    assert not {i for i in ids() if i.startswith(("search.", "public."))}


@pytest.mark.parametrize(
    ("setting", "value", "check"),
    [
        ("SEARCH_BACKEND", "elasticserch", "search.E001"),
        ("SEARCH_BACKEND", "search.backends.nowhere.Index", "search.E001"),
        ("EMBEDDING_MODEL", "clipp", "search.E002"),
        ("EMBEDDING_PRECISION", "fp8", "search.E003"),
        ("EMBEDDING_RECIPE", "zoom", "search.E005"),
        ("EMBEDDING_RECIPE", "pool", "search.E005"),  # the default model is CLIP
        ("MATCH_THRESHOLD", 1.5, "search.E004"),
        ("MATCH_THRESHOLD", -2.0, "search.E004"),
        ("MATCH_POSSIBLE_THRESHOLD", 7.0, "search.E004"),
        ("MATCH_THRESHOLDS", {"clip-ViT-B-32": {"likely": 85, "possible": 0.7}}, "search.E004"),
        ("MATCH_THRESHOLDS", {"clip-ViT-B-32": 0.85}, "search.E004"),
        ("UNCALIBRATED_THRESHOLDS", {"likely": 0.9}, "search.E004"),
    ],
)
def test_it_reports_a_misspelt_or_impossible_setting(setting, value, check):
    with override_settings(**{setting: value}):
        assert check in ids()


def test_a_dotted_path_to_a_backend_passes():
    with override_settings(SEARCH_BACKEND="search.backends.embedded.EmbeddedIndex"):
        assert "search.E001" not in ids()
