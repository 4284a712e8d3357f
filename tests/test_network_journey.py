"""Two shelters side by side on one Reunite, and a script that knows only the documented API.

Real processes, as in production: gunicorn serves the API, a background worker embeds, indexes,
matches and delivers webhooks. The script records an intake for the second shelter and reads its
likely owner; the first shelter's key sees none of it.
"""

from __future__ import annotations

import pytest
import requests

from shelters.models import WebhookSubscription
from shelters.services import create_api_key
from tests.factories import make_owner, make_shelter, make_staff
from tests.support.deployment import Deployment, wait_until
from tests.support.other_processes import database_for_other_processes
from tests.support.photos import image_bytes, make_image
from tests.support.webhook_receiver import Receiver, start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def deployment(tmp_path):
    with database_for_other_processes(tmp_path) as url:
        running = Deployment(url, tmp_path, WEBHOOK_ALLOW_PRIVATE_URLS="1")
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture
def receiver():
    receiver = Receiver()
    server = start(receiver)
    yield receiver
    server.shutdown()
    server.server_close()


def script_records_an_intake_and_reads_its_likely_owners(base: str, key: str, photo: bytes) -> tuple[int, dict]:
    """What a shelter's software does, with nothing but the README's API section."""
    headers = {"Authorization": f"Api-Key {key}"}
    intake = requests.post(
        f"{base}/api/v1/found-dogs/",
        headers=headers,
        data={"name": "Kennel 7", "place": "Harbour", "found_at": "2026-11-30T08:15:00Z"},
        files={"photos": ("kennel-7.jpg", photo, "image/jpeg")},
        timeout=30,
    )
    assert intake.status_code == 201, intake.text
    found_dog = intake.json()["id"]

    def likely_owners() -> dict | None:
        answer = requests.get(f"{base}/api/v1/found-dogs/{found_dog}/matches/", headers=headers, timeout=30)
        assert answer.status_code == 200, answer.text
        matches = answer.json()
        return matches if matches["photos_searchable"] and matches["results"] else None

    return found_dog, wait_until(likely_owners, 60, "the worker never made the found dog searchable")


def test_a_second_shelter_runs_beside_the_first_and_a_script_finds_a_likely_owner(deployment, receiver):
    north = make_shelter("Northside Shelter", members=[make_staff("ada")])
    south = make_shelter("Southside Shelter", members=[make_staff("tess")])
    north_key = create_api_key(north, "north desk", None)[1]
    south_key = create_api_key(south, "south desk", None)[1]
    webhook = WebhookSubscription.objects.create(shelter=south, url=receiver.url, events=["candidate.created"])
    receiver.secret = webhook.secret
    ana = make_owner("ana", name="Anastasia Quill", phone="+1 555 0142")
    base = deployment.start_web()
    deployment.start_worker()
    # The owner registers Luna on the site, as owners do: once, for every shelter.
    photo = ("luna.jpg", image_bytes(make_image(21)), "image/jpeg")
    registered = deployment.post(
        deployment.session_for(ana.user), "/dogs/new/", {"name": "Luna", "sex": "female"}, files={"photos": photo}
    )
    assert registered.status_code == 302
    luna = ana.dogs.get()

    try:
        found_dog, matches = script_records_an_intake_and_reads_its_likely_owners(
            base, south_key, image_bytes(make_image(21))
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nworker: {deployment.log('worker')}\nweb: {deployment.log('web')}") from exc

    first = matches["results"][0]
    assert (first["dog"]["id"], first["label"]) == (luna.pk, "likely")
    assert first["owner"] == {"name": "Anastasia Quill", "phone": "+1 555 0142", "email": "ana@example.com"}
    north_sees = requests.get(f"{base}/api/v1/found-dogs/", headers={"Authorization": f"Api-Key {north_key}"}).json()
    assert north_sees["results"] == [], "the first shelter's key sees none of the second's found dogs"
    wait_until(lambda: receiver.received, 30, "the worker never delivered candidate.created")
    assert receiver.received[0].signature_ok and receiver.received[0].body["data"]["found_dog"] == {"id": found_dog}
