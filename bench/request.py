"""The whole photo search: a staff POST of a JPEG to `search:find_owner`, page rendered.

Photos are inserted with bulk_create (no signals, no files: only the rows and
their stored embeddings, which is all a search reads), then the embedded
index loads them from the database on its first search, as a web process
does. Requests go through Django's test client (multipart encoding, the full
middleware stack, the form's checks, the preview, embedding, index search,
template), DEBUG off. The first request (model load and index load) is timed
on its own and excluded from p50/p95.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

from .embedded_index import BREEDS
from .runtime import latency_summary, rss_mb, timed
from .vectors import ClusteredSpace


def populate(n_photos: int, space: ClusteredSpace) -> dict:
    from django.contrib.auth.models import User

    from dogs.models import Dog, DogPhoto, Owner
    from search.embeddings import active_model_name
    from search.models import IndexGeneration

    model = active_model_name()
    start = time.perf_counter()
    owners = Owner.objects.bulk_create(
        [
            Owner(name=f"Owner {i}", email=f"owner{i}@example.org", phone=f"+44 7700 {i:06d}", address="Leeds")
            for i in range(max(1, n_photos // 4))
        ],
        batch_size=2000,
    )
    dogs = Dog.objects.bulk_create(
        [
            Dog(owner=owners[i % len(owners)], name=f"Dog {i}", breed=BREEDS[i % len(BREEDS)], colour="brown")
            for i in range(max(1, n_photos // 2))
        ],
        batch_size=2000,
    )
    photos = []
    for chunk_start, vectors in zip(range(0, n_photos, 10_000), space.chunks(n_photos), strict=True):
        for offset, vector in enumerate(vectors):
            i = chunk_start + offset
            photos.append(
                DogPhoto(
                    dog=dogs[i % len(dogs)],
                    image=f"dogs/photos/bench-{i:07d}.jpg",
                    width=1600,
                    height=1200,
                    embedding=vector.tobytes(),
                    embedding_model=model,
                )
            )
    DogPhoto.objects.bulk_create(photos, batch_size=2000)
    IndexGeneration.bump()
    User.objects.create_superuser("bench-staff", "staff@example.org", "not-used")
    return {"photos": n_photos, "dogs": len(dogs), "owners": len(owners), "insert_s": time.perf_counter() - start}


def _post(client, path: Path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/jpeg")
    start = time.perf_counter()
    response = client.post(reverse("search:find_owner"), {"photo": upload})
    seconds = time.perf_counter() - start
    body = response.content.decode()
    if response.status_code != 200 or 'class="card result' not in body:
        raise RuntimeError(f"photo search failed: HTTP {response.status_code}: {body[:2000]}")
    return seconds


def components(photos: list[Path], reps: int) -> dict:
    """Where a request's time goes, per photo size (median of `reps`), each step called directly.

    Each step runs twice: decoding at 448 px, the search form's draft size before issue 20,
    and at EMBEDDING_DRAFT_SIZE, the form's draft size now (the whole-request rows above).
    """
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from dogs.photos import EMBEDDING_DRAFT_SIZE, encode_public_copy, open_checked_photo
    from search.embeddings import embed_image
    from search.services import find_matching_dogs_by_vector

    rows: dict[str, dict[str, list[float]]] = {}
    for path in photos:
        data = path.read_bytes()
        with Image.open(path) as image:
            row = rows.setdefault(f"{image.width}x{image.height}", {})
        for _ in range(reps):
            vector = None
            for draft_to in (448, EMBEDDING_DRAFT_SIZE):
                suffix = f" [draft_to={draft_to}]"
                upload = SimpleUploadedFile(path.name, data, content_type="image/jpeg")
                decode_s, checked = timed(lambda u=upload, d=draft_to: open_checked_photo(u, draft_to=d))
                preview_s, _ = timed(lambda c=checked: encode_public_copy(c.image, max_side=480))
                embed_s, embedded = timed(lambda c=checked: embed_image(c.image))
                vector = embedded if vector is None else vector
                row.setdefault("open_checked_photo" + suffix, []).append(decode_s)
                row.setdefault("encode_public_copy(max_side=480)" + suffix, []).append(preview_s)
                row.setdefault("embed_image" + suffix, []).append(embed_s)
            search_s, _ = timed(lambda v=vector: find_matching_dogs_by_vector(v))
            row.setdefault("find_matching_dogs_by_vector (index + database)", []).append(search_s)
    return {size: {name: statistics.median(v) * 1000 for name, v in row.items()} for size, row in rows.items()}


def benchmark(
    *, n_photos: int, requests: int, photos: list[Path], space: ClusteredSpace, component_reps: int, log
) -> dict:
    from django.contrib.auth.models import User
    from django.test import Client

    from search.index import reset_index
    from search.models import IndexGeneration

    out: dict = {"populate": populate(n_photos, space)}
    log(f"  request: inserted {n_photos:,} photos in {out['populate']['insert_s']:.1f} s")
    reset_index()
    client = Client()
    client.force_login(User.objects.get(username="bench-staff"))
    small = min(photos, key=lambda p: p.stat().st_size)
    rss_before = rss_mb()
    out["first_request_s"] = _post(client, small)  # model load + index load from the database
    out["rss_after_first_request_mb"] = rss_mb()
    out["rss_first_request_delta_mb"] = rss_mb() - rss_before
    # Another process wrote: the next search reloads the whole snapshot from the database.
    IndexGeneration.bump()
    out["request_after_reload_s"] = _post(client, small)
    _post(client, small)
    import torch
    from PIL import Image

    sizes = {}
    for path in photos:
        with Image.open(path) as image:
            sizes[path] = f"{image.width}x{image.height}"
    # Torch's default thread count (one per core) and TORCH_THREADS=1, request by request in turn.
    default_threads = torch.get_num_threads()
    seconds: dict[int, list[float]] = {default_threads: [], 1: []}
    per_size: dict[str, list[float]] = {}
    for i in range(requests):
        path = photos[i % len(photos)]
        for threads in seconds:
            torch.set_num_threads(threads)
            s = _post(client, path)
            seconds[threads].append(s)
            if threads == default_threads:
                per_size.setdefault(sizes[path], []).append(s)
    torch.set_num_threads(default_threads)
    out["torch_threads"] = default_threads
    out["requests"] = latency_summary(seconds[default_threads])
    out["requests_by_size"] = {size: latency_summary(v) for size, v in per_size.items()}
    if default_threads != 1:
        out["requests_torch_1_thread"] = latency_summary(seconds[1])
    log(
        f"  request at {n_photos:,}: p50 {out['requests']['p50_ms']:.0f} ms, p95 {out['requests']['p95_ms']:.0f} ms "
        f"(first request {out['first_request_s']:.1f} s)"
    )
    distinct = list({sizes[p]: p for p in photos}.values())
    out["components_ms"] = components(distinct, component_reps)
    # Reload time of the snapshot alone, from the database, at this size: Reunite's way
    # (one values_list query, search.documents.snapshot_rows) against the way before it
    # (model instances -> IndexDocument -> _Snapshot).
    from search.backends.embedded import _ARRAYS
    from search.index import get_index

    index = get_index()
    app_s, before_s = [], []
    for _ in range(3):
        IndexGeneration.bump()
        app_s.append(timed(lambda: index.search(np.zeros(512, np.float32), 1, _model()))[0])
        seconds_, before = timed(lambda: snapshot_from_documents(_model()))
        before_s.append(seconds_)
    reference = index._snapshots[_model()]
    differing = [name for name in _ARRAYS if not _same(getattr(reference, name), getattr(before, name))]
    out["snapshot_reload_from_db_s"] = statistics.median(app_s)
    out["snapshot_reload_documents_s"] = statistics.median(before_s)
    out["snapshot_reload_documents_identical"] = not differing
    out["snapshot_reload_documents_differing"] = differing
    return out


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return np.array_equal(a, b, equal_nan=a.dtype.kind == "f")  # missing dates and places are NaN


def snapshot_from_documents(model: str):
    """The reload as it was before snapshot_rows: model instances, then IndexDocuments."""
    from search.backends.embedded import _Snapshot
    from search.documents import documents_for_model

    return _Snapshot.from_documents(model, list(documents_for_model(model)))


def _model() -> str:
    from search.embeddings import active_model_name

    return active_model_name()
