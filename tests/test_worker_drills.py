"""Fault drills with real processes: gunicorn, background workers, a real Elasticsearch, and faults.

Every drill runs the app as production does, against the test's database: web requests only write
the outbox, and the workers do the rest. What is asserted is the end state (the index equals the
database, no request failed, no file without a row) and that nothing waits without end.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from django.core.files.storage import FileSystemStorage

from dogs.models import Dog, DogPhoto
from search.backends.elasticsearch import ElasticsearchIndex
from search.models import PendingIndexUpdate
from tests.factories import make_owner
from tests.support.deployment import Deployment, wait_until
from tests.support.other_processes import ROOT, database_for_other_processes
from tests.support.photos import image_bytes, make_image
from tests.support.tasks import note
from worker.models import QueuedTask

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def deployment(tmp_path):
    # Ask for index settings (elasticsearch_settings) before this: the processes take them at start.
    with database_for_other_processes(tmp_path) as url:
        running = Deployment(url, tmp_path)
        try:
            yield running
        finally:
            running.stop()


def photo(seed: int) -> tuple:
    return (f"dog-{seed}.jpg", image_bytes(make_image(seed)), "image/jpeg")


def register(deployment: Deployment, session, seed: int, name: str):
    data = {"name": name, "sex": "unknown", "size": "unknown"}
    return deployment.post(session, "/dogs/new/", data, files={"photos": photo(seed)})


def settled() -> bool:
    return not PendingIndexUpdate.objects.exists() and not QueuedTask.objects.waiting().exists()


def stored_files(deployment: Deployment) -> set[str]:
    storage = FileSystemStorage(location=deployment.media)
    if not storage.exists("dogs/photos"):
        return set()
    return {f"dogs/photos/{name}" for name in storage.listdir("dogs/photos")[1]}


@pytest.mark.elasticsearch
def test_an_elasticsearch_outage_mends_itself_with_the_worker_running(
    elasticsearch_settings, elasticsearch_server, deployment
):
    owner = make_owner("ana")
    deployment.start_web()
    deployment.start_worker()
    session = deployment.session_for(owner.user)
    try:
        for n in range(30):
            if n == 10:
                elasticsearch_server.stop()  # killed mid-way through the creates
            assert register(deployment, session, 900 + n, f"Dog {n}").status_code == 302, "the site keeps working"
        dogs = list(Dog.objects.order_by("pk"))
        for dog in dogs[:10]:
            edit = {"name": dog.name, "breed": "Edited", "sex": "male", "size": "small"}
            assert deployment.post(session, f"/dogs/{dog.pk}/edit/", edit).status_code == 302
        for dog in dogs[10:15]:
            assert deployment.post(session, f"/dogs/{dog.pk}/delete/", {}).status_code == 302
    finally:
        if not elasticsearch_server.is_running():
            elasticsearch_server.start()

    wait_until(settled, timeout=120, message=f"the worker did not catch up:\n{deployment.log('worker')}")
    index = ElasticsearchIndex()
    index.refresh()
    photos = {p.pk: p for p in DogPhoto.objects.select_related("dog")}
    assert len(photos) == 25 and index.photo_ids() == set(photos), "ids: no command was run by hand"
    stored = index.vectors(list(photos))
    documents = index.client.mget(index=index.alias, ids=[str(pk) for pk in photos], source=["breed", "dog_id"])
    for document in documents["docs"]:
        pk = int(document["_id"])
        assert document["_source"] == {"breed": photos[pk].dog.breed, "dog_id": str(photos[pk].dog_id)}
        np.testing.assert_allclose(stored[pk], photos[pk].vector, atol=1e-6)


def test_a_web_process_killed_mid_request_loses_no_committed_photo(deployment):
    owner = make_owner("ana")
    deployment.start_web(workers=1, threads=8)
    session = deployment.session_for(owner.user)
    answers = []

    def send(n: int) -> None:
        try:
            answers.append(register(deployment, session, 800 + n, f"Dog {n}").status_code)
        except Exception as exc:  # noqa: BLE001 - the server is killed under it: that is the drill
            answers.append(type(exc).__name__)

    senders = [threading.Thread(target=send, args=(n,)) for n in range(16)]
    for sender in senders:
        sender.start()
    wait_until(lambda: DogPhoto.objects.count() >= 3, timeout=60, message="no registration was committed")
    deployment.kill("web")  # SIGKILL: no chance to finish, no on-commit hook runs
    for sender in senders:
        sender.join(timeout=60)
    committed = set(DogPhoto.objects.values_list("pk", flat=True))
    assert committed and set(PendingIndexUpdate.objects.values_list("photo_id", flat=True)) == committed

    deployment.start_worker()

    wait_until(settled, timeout=60, message=f"committed photos were left behind:\n{deployment.log('worker')}")
    assert not DogPhoto.objects.filter(embedding__isnull=True).exists()
    from search.index import get_index

    assert get_index().photo_ids() == committed, "every committed photo is searchable"


def test_twenty_parallel_registrations_during_a_rebuild_all_succeed_and_leave_no_orphan_file(deployment):
    owner = make_owner("ana")
    deployment.start_web(workers=2, threads=4)
    deployment.start_worker()
    session = deployment.session_for(owner.user)
    answers: list = []
    rebuild = subprocess.Popen(
        [sys.executable, "manage.py", "search_index", "--rebuild", "--verbosity", "0"],
        cwd=ROOT,
        env=deployment.env,
        stderr=subprocess.PIPE,
        text=True,
    )

    def send(n: int) -> None:
        answers.append(register(deployment, session, 700 + n, f"Dog {n}").status_code)

    senders = [threading.Thread(target=send, args=(n,)) for n in range(20)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=120)
    assert rebuild.wait(timeout=120) == 0, rebuild.stderr.read()

    assert answers == [302] * 20, f"every registration succeeded: {answers}\n{deployment.log('web')}"
    assert Dog.objects.count() == 20 and DogPhoto.objects.count() == 20
    assert stored_files(deployment) == set(DogPhoto.objects.values_list("image", flat=True)), "no file without a row"
    wait_until(settled, timeout=60, message=f"the worker did not index them:\n{deployment.log('worker')}")


@pytest.mark.elasticsearch
def test_a_stalled_elasticsearch_never_holds_a_registration(elasticsearch_settings, elasticsearch_server, deployment):
    owner = make_owner("ana")
    deployment.start_web()
    deployment.start_worker()
    session = deployment.session_for(owner.user)
    assert register(deployment, session, 600, "Warm-up").status_code == 302

    with elasticsearch_server.paused():
        started = time.monotonic()
        answer = register(deployment, session, 601, "Rex")
        took = time.monotonic() - started

    assert answer.status_code == 302
    assert took < 1.0, f"a registration waited {took:.1f} s on a stalled index; requests never touch it"
    wait_until(settled, timeout=120, message=f"the worker did not catch up:\n{deployment.log('worker')}")


def test_several_workers_run_every_task_exactly_once(deployment, tmp_path):
    log = tmp_path / "runs"
    for number in range(150):
        note.enqueue(str(log), number, pause=0.05)  # long enough for the three to overlap
    for name in ("one", "two", "three"):
        deployment.start_worker(name)

    wait_until(lambda: not QueuedTask.objects.exists(), timeout=120, message="the workers did not finish")

    runs = [line.split() for line in log.read_text().splitlines()]
    numbers = sorted(int(number) for number, _ in runs)
    assert numbers == list(range(150)), "each task ran exactly once"
    assert len({pid for _, pid in runs}) >= 2, f"the work was shared: {json.dumps(runs[:5])}"
