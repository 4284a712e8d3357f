"""Filters of the API's lists, with the pages' meanings: a breed filter never leaves out a dog of unknown breed."""

from __future__ import annotations

from django_filters import rest_framework as filters

from reunions.models import FoundReport, LostReport


def _breed(queryset, name: str, value: str):
    return queryset.breed_contains(value) if value.strip() else queryset


class FoundDogFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=FoundReport.Status.choices)
    found_after = filters.DateFilter(field_name="found_at", lookup_expr="date__gte", label="Found on or after")
    found_before = filters.DateFilter(field_name="found_at", lookup_expr="date__lte", label="Found on or before")
    breed = filters.CharFilter(method=_breed, max_length=100, label="Part of the breed name (unknown breeds included)")

    class Meta:
        model = FoundReport
        fields = ["status", "found_after", "found_before", "breed"]


class LostReportFilter(filters.FilterSet):
    lost_after = filters.DateFilter(field_name="lost_at", lookup_expr="date__gte", label="Lost on or after")
    breed = filters.CharFilter(method=_breed, max_length=100, label="Part of the breed name (unknown breeds included)")

    class Meta:
        model = LostReport
        fields = ["lost_after", "breed"]
