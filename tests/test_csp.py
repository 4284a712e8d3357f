"""A Content-Security-Policy on every page: scripts and style sheets from this site only, no inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import make_dog, make_owner, make_staff

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def assert_strict(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"], "no inline script, no eval"
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def test_it_sends_the_policy_on_anonymous_pages(client):
    for url in ("/", reverse("public:found_list"), reverse("login"), reverse("signup"), "/no-such-page/"):
        assert_strict(client.get(url))


def test_it_sends_the_policy_on_owners_staff_and_admin_pages(client):
    dog = make_dog(make_owner(), "Rex", index=False)
    client.force_login(dog.owner.user)
    for url in (reverse("dogs:my_dogs"), reverse("dogs:detail", args=[dog.pk]), reverse("dogs:create")):
        assert_strict(client.get(url))
    client.force_login(make_staff())
    for url in (reverse("reunions:dashboard"), reverse("admin:index"), reverse("admin:dogs_dog_change", args=[dog.pk])):
        assert_strict(client.get(url))


def test_images_keep_their_own_stricter_policy(client):
    dog = make_dog(make_owner(), "Rex", index=False)
    client.force_login(dog.owner.user)

    response = client.get(reverse("dogs:photo_thumbnail", args=[dog.photos.get().pk]))

    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_no_template_has_inline_script_or_event_handlers():
    for template in TEMPLATES.rglob("*.html"):
        html = template.read_text()
        assert not re.search(r"\son[a-z]+\s*=", html), f"{template}: an inline event handler"
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/ld+json"' in tag, f"{template}: inline script {tag}"
