"""400, 403, 404 and 500 are the site's own pages, with its navigation, never Django's bare defaults."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path, reverse

from shelter.urls import urlpatterns as site_urlpatterns
from tests.factories import make_owner


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *site_urlpatterns]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def assert_branded(response, status: int, heading: str) -> None:
    html = response.content.decode()
    assert response.status_code == status
    assert heading in html
    assert 'class="site-header"' in html and 'href="/found-dogs/"' in html, "the site's navigation"
    assert "Go to the home page" in html


def test_it_answers_an_unknown_page_with_the_sites_404(client):
    assert_branded(client.get("/no-such-page/"), 404, "We cannot find that page")


def test_it_answers_another_owners_dog_with_the_same_404(client):
    make_owner("bob")
    client.force_login(make_owner("alice").user)

    assert_branded(client.get(reverse("dogs:detail", args=[999])), 404, "We cannot find that page")


def test_it_answers_an_owner_on_a_staff_page_with_the_sites_403(client):
    client.force_login(make_owner().user)

    assert_branded(client.get(reverse("reunions:dashboard")), 403, "You may not see this page")


def test_it_answers_a_request_for_another_host_with_the_sites_400(client):
    assert_branded(client.get("/", HTTP_HOST="attacker.example"), 400, "We could not read that request")


def test_it_answers_a_form_without_its_csrf_token_with_the_sites_page():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_owner().user)

    assert_branded(client.post(reverse("dogs:profile"), {"name": "x"}), 403, "This form has expired")


def test_it_answers_a_bug_with_the_sites_500_without_touching_the_database(django_assert_num_queries):
    client = Client(raise_request_exception=False)

    with django_assert_num_queries(0):
        response = client.get("/boom/")

    assert_branded(response, 500, "Something went wrong on our side")
    assert "a bug" not in response.content.decode()
