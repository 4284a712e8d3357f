"""Misconfiguration of search, reported by `manage.py check` (and at start-up) instead of at the first request."""

from __future__ import annotations

import numbers

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

from .embeddings import PRECISIONS, RECIPES, recipe_for

MODELS = ("clip", "efficientnet-lite0")


@register()
def check_search_backend(app_configs, **kwargs) -> list[Error]:
    name = settings.SEARCH_BACKEND
    path = settings.SEARCH_BACKENDS.get(name, name)
    try:
        import_string(path)
    except ImportError:
        choices = ", ".join(sorted(settings.SEARCH_BACKENDS))
        hint = f"Use one of {choices}, or the dotted path to a VectorIndex class."
        return [Error(f"SEARCH_BACKEND {name!r} names no index backend.", hint=hint, id="search.E001")]
    return []


@register()
def check_embedding_model(app_configs, **kwargs) -> list[Error]:
    errors = []
    if settings.EMBEDDING_MODEL not in MODELS:
        errors.append(
            Error(
                f"EMBEDDING_MODEL {settings.EMBEDDING_MODEL!r} is not a model Reunite knows.",
                hint=f"Use one of: {', '.join(MODELS)} (CLIP_MODEL then names the CLIP model or its folder).",
                id="search.E002",
            )
        )
    if settings.EMBEDDING_PRECISION not in PRECISIONS:
        errors.append(
            Error(
                f"EMBEDDING_PRECISION {settings.EMBEDDING_PRECISION!r} is not a precision.",
                hint=f"Use one of: {', '.join(PRECISIONS)}.",
                id="search.E003",
            )
        )
    recipe = recipe_for(settings.EMBEDDING_MODEL, settings.EMBEDDING_RECIPE)
    if recipe not in RECIPES or (recipe == "pool" and settings.EMBEDDING_MODEL != "efficientnet-lite0"):
        errors.append(
            Error(
                f"EMBEDDING_RECIPE {recipe!r} cannot be used with EMBEDDING_MODEL {settings.EMBEDDING_MODEL!r}.",
                hint=f"Use one of: {', '.join(RECIPES)} ('pool' needs efficientnet-lite0).",
                id="search.E005",
            )
        )
    return errors


def _is_similarity(value) -> bool:
    return isinstance(value, numbers.Real) and -1.0 <= value <= 1.0


def _thresholds_to_check() -> dict[str, object]:
    named = {
        "MATCH_THRESHOLD": settings.MATCH_THRESHOLD,
        "MATCH_POSSIBLE_THRESHOLD": settings.MATCH_POSSIBLE_THRESHOLD,
    }
    tables = {"UNCALIBRATED_THRESHOLDS": settings.UNCALIBRATED_THRESHOLDS}
    tables |= {f"MATCH_THRESHOLDS[{model!r}]": value for model, value in settings.MATCH_THRESHOLDS.items()}
    for name, table in tables.items():
        if not isinstance(table, dict) or not {"likely", "possible"} <= set(table):
            named[name] = str(table)  # not a table: reported, whatever it holds
            continue
        named[f"{name}['likely']"] = table["likely"]
        named[f"{name}['possible']"] = table["possible"]
    return named


@register()
def check_match_thresholds(app_configs, **kwargs) -> list[Error]:
    return [
        Error(
            f"{name} is {value!r}, but thresholds are cosine similarities between -1 and 1"
            " (a table needs both 'likely' and 'possible').",
            hint="Choose them with `manage.py evaluate_matching` on your own photos.",
            id="search.E004",
        )
        for name, value in _thresholds_to_check().items()
        if value is not None and not _is_similarity(value)
    ]
