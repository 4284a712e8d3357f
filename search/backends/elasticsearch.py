"""The Elasticsearch index: kNN on a dense_vector, one document per photo.

Names, with A = settings.ELASTICSEARCH_INDEX (by default `dog-image-index`):

- `A` is an alias. Searches and writes go through it; the documents live in `A-<UTC time>`.
- `A-next` is the building marker: an alias on the index a rebuild is filling.
- `A-<UTC time>-fill` is the alias a rebuild writes its documents through. Writing through an
  alias with `require_alias` means a deleted index is never re-created by a late write.

Rebuilds that cannot go stale. A rebuild reads the database at one moment and moves the alias at
another; a change committed in between used to reach the old index only. So:

1. the rebuild creates the new index together with the marker `A-next` (one request), and only
   then reads the database;
2. while the marker exists, every upsert and delete, from any process, goes to both `A` and
   `A-next` in one bulk request. Documents carry the photo's revision as an external version, so
   whichever of the rebuild's copy and the writer's copy arrives second cannot undo a newer one,
   and the new index keeps delete tombstones for the whole build (`gc_deletes`), so a delete that
   arrives before the rebuild's stream reaches that photo still wins;
3. one `_aliases` request moves `A` to the new index and removes the marker.

A change committed before the read is in the read; one committed after it is written by its writer
while the marker is there (writers look the marker up after they read the database), or after the
switch, through `A`. Nothing depends on clocks or on the application's cooperation beyond using this
class. `search_index --check` compares every document's version and fields with the database.

Every request is bounded: writes by ELASTICSEARCH_TIMEOUT and _MAX_RETRIES, staff searches by
ELASTICSEARCH_SEARCH_TIMEOUT (one retry, none after a timeout), index operations (scans, scroll
clean-ups, alias moves) by ELASTICSEARCH_OPERATION_TIMEOUT, never retried after a timeout: a stalled
server would only stall again.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from django.conf import settings
from elastic_transport import ConnectionTimeout, TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError
from elasticsearch.dsl import Date, DenseVector, GeoPoint, Keyword, Mapping, Object, Q, Search
from elasticsearch.helpers import BulkIndexError, streaming_bulk
from elasticsearch.serializer import OrjsonSerializer

from .base import (
    DocumentState,
    HalfBuilt,
    IndexConflict,
    IndexContents,
    IndexDocument,
    IndexUnavailable,
    Match,
    SearchFilters,
    Stray,
    breed_words,
    vector_digest,
)

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]

MARKER_SUFFIX = "-next"
FILL_SUFFIX = "-fill"
# Scroll contexts expire by themselves after this, even if a clean-up never reaches the server.
SCROLL_KEEP_ALIVE = "2m"
SCAN_PAGE_SIZE = 1000
# A rebuild records its progress at most this often; one silent for ABANDONED_AFTER_S is abandoned.
HEARTBEAT_S = 10.0
ABANDONED_AFTER_S = 300.0
# Tombstones kept by an index being built: longer than any rebuild, so an early delete still wins.
BUILD_GC_DELETES = "12h"
# The fields `--check` compares; Reunite writes all of them, other clients seldom `model` and `kind`.
STATE_FIELDS = ["model", "kind", "dog_id", "breed"]
PHOTO_ID = re.compile(r"[1-9][0-9]{0,18}")


WRONG_MODEL = (
    "The index holds vectors of another embedding model (a different dimension). "
    "Run `manage.py search_index --rebuild` (or `manage.py change_model`) to rebuild it for this model."
)


def conflict_message(alias: str) -> str:
    return (
        f"An index (not an alias) named {alias!r} exists, so Reunite cannot give that name "
        "(ELASTICSEARCH_INDEX) to its alias: another client wrote to the name before Reunite created it. "
        f"Run `manage.py search_index --adopt` to build Reunite's documents from the database into a new "
        f"index and move the name {alias!r} to an alias on it in one step (it first lists what the other "
        "index holds; add --dry-run to change nothing), or `manage.py search_index --replace` to delete "
        "that index and build Reunite's (it asks first)."
    )


def _is_dimension_error(text: str) -> bool:
    return "dims" in text or "dimension" in text


def _unavailable(exc: Exception) -> IndexUnavailable:
    """What a failed request means, in words: unreachable, a naming conflict, or a refusal."""
    if isinstance(exc, ApiError):
        text = str(exc)
        if exc.status_code == 400 and "invalid_alias_name_exception" in text:
            return IndexConflict(conflict_message(settings.ELASTICSEARCH_INDEX))
        if exc.status_code == 400 and _is_dimension_error(text):
            return IndexUnavailable(WRONG_MODEL)
        if exc.status_code < 500 and exc.status_code != 429:
            return IndexUnavailable(f"Elasticsearch refused the request: {exc}")
    if isinstance(exc, ConnectionTimeout):
        return IndexUnavailable(f"Elasticsearch is unavailable: it did not answer in time ({exc})")
    return IndexUnavailable(f"Elasticsearch is unavailable: {exc}")


def make_client() -> Elasticsearch:
    """A client from environment-derived settings; creating it does not connect."""
    options: dict = {
        # orjson writes the float lists of vectors ~20x faster than the stdlib, which
        # shows in rebuilds on a machine where the client and the server share cores.
        "serializer": OrjsonSerializer(),
        "request_timeout": settings.ELASTICSEARCH_TIMEOUT,
        "max_retries": settings.ELASTICSEARCH_MAX_RETRIES,
        "retry_on_timeout": True,
    }
    if settings.ELASTICSEARCH_CLOUD_ID:
        options["cloud_id"] = settings.ELASTICSEARCH_CLOUD_ID
    else:
        options["hosts"] = [settings.ELASTICSEARCH_URL]
    if settings.ELASTICSEARCH_API_KEY:
        options["api_key"] = settings.ELASTICSEARCH_API_KEY
    elif settings.ELASTICSEARCH_USERNAME:
        options["basic_auth"] = (settings.ELASTICSEARCH_USERNAME, settings.ELASTICSEARCH_PASSWORD)
    if settings.ELASTICSEARCH_CLOUD_ID or settings.ELASTICSEARCH_URL.startswith("https"):
        options["verify_certs"] = settings.ELASTICSEARCH_VERIFY_CERTS
        if settings.ELASTICSEARCH_CA_CERTS:
            options["ca_certs"] = settings.ELASTICSEARCH_CA_CERTS
    return Elasticsearch(**options)


# Index types that keep quantised vectors in the graph; only these can rescore with the float ones.
QUANTISED_INDEX_TYPES = {"int8_hnsw", "int4_hnsw", "bbq_hnsw", "int8_flat", "int4_flat", "bbq_flat"}


def vector_index_options() -> dict:
    """`index_options` of the vector field, from ELASTICSEARCH_VECTOR_INDEX_TYPE and _RESCORE_OVERSAMPLE."""
    index_type = settings.ELASTICSEARCH_VECTOR_INDEX_TYPE
    options: dict = {"type": index_type}
    if index_type in QUANTISED_INDEX_TYPES and settings.ELASTICSEARCH_RESCORE_OVERSAMPLE > 0:
        # Quantised HNSW alone found 0.949 of the true top 10 at 100k photos; re-ranking
        # oversample x k candidates by their float vectors brought it to 0.997 (BENCHMARKS.md).
        options["rescore_vector"] = {"oversample": settings.ELASTICSEARCH_RESCORE_OVERSAMPLE}
    return options


def photo_mapping(dimension: int) -> Mapping:
    """The original blog's mapping, plus `kind` and `model` so photos of other kinds or models never mix."""
    mapping = Mapping()
    mapping.field(
        "image_embedding",
        DenseVector(
            dims=dimension,
            index=True,
            similarity="cosine",
            # Explicit, so a server default (bbq_hnsw from 9.1 on) never changes recall under us.
            index_options=vector_index_options(),
        ),
    )
    for name in ("dog_id", "breed", "image_path", "owner_name", "kind", "model"):
        mapping.field(name, Keyword())
    mapping.field("exif", Object(properties={"location": GeoPoint(), "date": Date()}))
    return mapping


def _source(document: IndexDocument) -> dict:
    exif: dict = {}
    if document.taken_at is not None:
        exif["date"] = document.taken_at.isoformat()
    if document.latitude is not None and document.longitude is not None:
        exif["location"] = {"lat": document.latitude, "lon": document.longitude}
    # owner_name stays out on purpose: the blog's mapping has the field, but a
    # person's name does not belong in the search engine; the database has it.
    return {
        "image_embedding": np.asarray(document.vector, dtype=np.float32).tolist(),
        "dog_id": str(document.dog_id),
        "breed": document.breed,
        "image_path": document.image_path,
        "kind": document.kind,
        "model": document.model,
        "exif": exif,
    }


def _filters(filters: SearchFilters | None, model: str) -> list[Q]:
    clauses = [Q("term", model=model)]
    if filters is None:
        return clauses
    if filters.breed:
        # Part of the name, any case; a dog of unknown breed ("" or no field) is never left out.
        pattern = "*" + re.sub(r"([\\*?])", r"\\\1", breed_words(filters.breed)) + "*"
        part_of_name = Q("wildcard", breed={"value": pattern, "case_insensitive": True})
        unknown = Q("term", breed="") | ~Q("exists", field="breed")
        clauses.append(Q("bool", should=[part_of_name, unknown], minimum_should_match=1))
    if filters.kinds:
        clauses.append(Q("terms", kind=list(filters.kinds)))
    if filters.taken_after or filters.taken_before:
        bounds = {}
        if filters.taken_after:
            bounds["gte"] = filters.taken_after.isoformat()
        if filters.taken_before:
            bounds["lte"] = filters.taken_before.isoformat()
        clauses.append(Q("range", **{"exif.date": bounds}))
    if filters.near is not None and filters.within_km is not None:
        lat, lon = filters.near
        clauses.append(
            Q("geo_distance", distance=f"{filters.within_km}km", **{"exif.location": {"lat": lat, "lon": lon}})
        )
    return clauses


def _state_of(hit: dict, with_vectors: bool) -> DocumentState | None:
    """The document's state, or None when Reunite did not write it (a stray)."""
    source = hit.get("_source") or {}
    dog_id = str(source.get("dog_id", ""))
    written_by_reunite = PHOTO_ID.fullmatch(hit["_id"]) and PHOTO_ID.fullmatch(dog_id)
    if not (written_by_reunite and source.get("model") and source.get("kind")):
        return None
    digest = ""
    if with_vectors and source.get("image_embedding") is not None:
        digest = vector_digest(np.asarray(source["image_embedding"], dtype=np.float32))
    return DocumentState(
        version=int(hit.get("_version", 0)),
        model=str(source["model"]),
        dog_id=int(dog_id),
        breed=str(source.get("breed", "")),
        kind=str(source["kind"]),
        vector_digest=digest,
    )


@dataclass(frozen=True)
class Layout:
    """The indices behind the alias and the marker, and whether an index took the alias's name."""

    serving: tuple[str, ...] = ()
    building: tuple[str, ...] = ()
    name_taken: bool = False


class ElasticsearchIndex:
    def __init__(self, client: Elasticsearch | None = None, alias: str | None = None, source: object = None) -> None:
        # `source` is for in-process backends; this one reads everything from Elasticsearch.
        self._client = client
        self.alias = alias or settings.ELASTICSEARCH_INDEX
        self.marker = self.alias + MARKER_SUFFIX
        self._own_name = re.compile(re.escape(self.alias) + r"-\d{20}")

    @property
    def client(self) -> Elasticsearch:
        """For writes: ELASTICSEARCH_TIMEOUT, retried ELASTICSEARCH_MAX_RETRIES times."""
        if self._client is None:
            self._client = make_client()
        return self._client

    @property
    def _searches(self) -> Elasticsearch:
        """For staff searches: a short timeout, one retry after a lost connection and none after a timeout."""
        return self.client.options(
            request_timeout=settings.ELASTICSEARCH_SEARCH_TIMEOUT,
            max_retries=min(1, settings.ELASTICSEARCH_MAX_RETRIES),
            retry_on_timeout=False,
        )

    @property
    def _operations(self) -> Elasticsearch:
        """For index operations: ELASTICSEARCH_OPERATION_TIMEOUT per request, no retry after a timeout."""
        return self.client.options(request_timeout=settings.ELASTICSEARCH_OPERATION_TIMEOUT, retry_on_timeout=False)

    # -- names -------------------------------------------------------------------

    def _layout(self, client: Elasticsearch) -> Layout:
        """One request: which indices the alias and the marker point at, and whether an index holds the alias's name."""
        found = client.indices.get_alias(index=f"{self.alias},{self.marker}", ignore_unavailable=True).body
        serving = sorted(name for name, entry in found.items() if self.alias in entry.get("aliases", {}))
        building = sorted(name for name, entry in found.items() if self.marker in entry.get("aliases", {}))
        return Layout(tuple(serving), tuple(building), name_taken=self.alias in found)

    def _refuse_taken_name(self, layout: Layout) -> None:
        if layout.name_taken:
            raise IndexConflict(conflict_message(self.alias))

    def _name_taken(self, client: Elasticsearch) -> bool:
        """Whether an index took the alias's name; False when that cannot be told (the caller has its own error)."""
        try:
            return self._layout(client).name_taken
        except (ApiError, TransportError):
            return False

    def _fill_alias(self, index: str) -> str:
        return index + FILL_SUFFIX

    def is_own_index(self, name: str) -> bool:
        """A versioned index this deployment creates (`A-<20 digits>`), not one of a deployment named `A-something`."""
        return bool(self._own_name.fullmatch(name))

    # -- index lifecycle -------------------------------------------------------

    def _new_index(self, dimension: int, *, building: bool = False, follow_writes: bool = True) -> str:
        """Create a versioned index with its aliases in one request, so it is never seen without them."""
        name = f"{self.alias}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"
        index_settings: dict = {
            "number_of_shards": settings.ELASTICSEARCH_SHARDS,
            # A bulk build goes fastest with no replicas and no refreshes; both are restored after.
            "number_of_replicas": 0 if building else settings.ELASTICSEARCH_REPLICAS,
            "refresh_interval": "-1" if building else settings.ELASTICSEARCH_REFRESH_INTERVAL,
        }
        mappings = photo_mapping(dimension).to_dict()
        if building:
            index_settings["gc_deletes"] = BUILD_GC_DELETES
            mappings["_meta"] = {"reunite": {"progress_at": time.time()}}
            aliases = {self._fill_alias(name): {}} | ({self.marker: {}} if follow_writes else {})
        else:
            # One write index: of two processes creating the first index at once, the second is refused.
            aliases = {self.alias: {"is_write_index": True}}
        self._operations.indices.create(index=name, settings=index_settings, mappings=mappings, aliases=aliases)
        return name

    def concrete_indices(self) -> list[str]:
        try:
            return list(self._layout(self._operations).serving)
        except (ApiError, TransportError) as exc:
            raise _unavailable(exc) from exc

    def ensure(self, dimension: int) -> None:
        self._write_targets(dimension)

    def drop(self) -> list[str]:
        """Delete the indices behind the alias and half-built ones; never an index this deployment did not create.

        `DELETE /<alias>` deletes nothing (Elasticsearch refuses an alias there, and with
        `ignore_unavailable` acknowledges without deleting): the concrete names are needed.
        """
        client = self._operations
        try:
            layout = self._layout(client)
            names = sorted(set(layout.serving) | {built.name for built in self._half_built(client, layout)})
            for name in names:
                client.indices.delete(index=name, ignore_unavailable=True)
        except (ApiError, TransportError) as exc:
            raise _unavailable(exc) from exc
        return names

    def ping(self, timeout: float) -> None:
        # Not client.ping(): `GET /` is missing from some builds (the integ-test zip) and proxies.
        # The alias look-up also tells whether an index took the alias's name: a search would find nothing.
        client = self.client.options(request_timeout=timeout, max_retries=0, retry_on_timeout=False)
        self._refuse_taken_name(self._layout(client))

    def refresh(self) -> None:
        try:
            self.client.indices.refresh(index=self.alias)
        except (ApiError, TransportError) as exc:
            raise _unavailable(exc) from exc

    # -- writes ------------------------------------------------------------------

    def _actions(self, documents: Iterable[IndexDocument], index: str, *, repair: bool = False) -> Iterable[dict]:
        for document in documents:
            yield {
                "_op_type": "index",
                "_index": index,
                "_id": str(document.photo_id),
                # External versions: a stale write from a slower worker is refused (409), not applied.
                # A repair also replaces a damaged copy of the same version.
                "version": document.version,
                "version_type": "external_gte" if repair else "external",
                "_source": _source(document),
            }

    def _bulk(
        self,
        actions: Iterable[dict],
        progress: Progress | None = None,
        *,
        refresh: bool = False,
        client: Elasticsearch | None = None,
    ) -> int:
        """Send actions; every index is named through an alias (`require_alias`), so none is ever auto-created."""
        done = 0
        try:
            for ok, item in streaming_bulk(
                client or self.client,
                actions,
                chunk_size=settings.ELASTICSEARCH_BULK_CHUNK_SIZE,
                raise_on_error=False,
                max_retries=3,  # backs off on 429 (too many requests)
                refresh="true" if refresh else "false",
                require_alias=True,
            ):
                if not ok:
                    self._raise_unless_harmless(next(iter(item.values())))
                done += 1
                if progress is not None:
                    progress(1)
        except (ApiError, TransportError, BulkIndexError) as exc:
            raise _unavailable(exc) from exc
        return done

    def _raise_unless_harmless(self, result: dict) -> None:
        error = result.get("error")
        if result.get("status") == 409 or (result.get("status") == 404 and not error):
            return  # an older version refused, or a delete of what is already gone
        kind = error.get("type", "") if isinstance(error, dict) else ""
        if kind == "index_not_found_exception" and result.get("_index") == self.marker:
            return  # the rebuild switched meanwhile: the copy through the alias reached its index
        if _is_dimension_error(str(error)):
            raise IndexUnavailable(WRONG_MODEL)
        if kind == "index_not_found_exception":
            # Elasticsearch says the same of a missing alias and of an index holding its name.
            if self._name_taken(self.client):
                raise IndexConflict(conflict_message(self.alias))
            raise IndexUnavailable(f"The index {self.alias!r} was deleted during this write; the next try creates it.")
        raise IndexUnavailable(f"Elasticsearch refused a document: {error}")

    def _write_targets(self, dimension: int | None) -> list[str]:
        """Where a write goes: the alias, and the building marker while a rebuild fills an index."""
        try:
            layout = self._layout(self.client)
            self._refuse_taken_name(layout)
            if not layout.serving and dimension is not None:
                layout = self._create_serving_index(dimension)
        except (ApiError, TransportError) as exc:
            raise _unavailable(exc) from exc
        return ([self.alias] if layout.serving else []) + ([self.marker] if layout.building else [])

    def _create_serving_index(self, dimension: int) -> Layout:
        try:
            self._new_index(dimension)
        except ApiError as exc:
            layout = self._layout(self.client)
            if not layout.serving:
                raise
            logger.info("Another process created the index at the same moment; using it (%s).", exc)
            return layout
        return self._layout(self.client)

    def upsert(self, documents: Sequence[IndexDocument], *, repair: bool = False) -> None:
        if not documents:
            return
        targets = self._write_targets(len(documents[0].vector))
        actions = [action for target in targets for action in self._actions(documents, target, repair=repair)]
        self._bulk(actions, refresh=settings.ELASTICSEARCH_REFRESH_ON_WRITE)

    def delete(self, photo_ids: Sequence[int]) -> None:
        targets = self._write_targets(None) if photo_ids else []
        if not targets:
            return
        # A version above any earlier write: a late, stale upsert cannot bring the photo back.
        version = time.time_ns() // 1000
        actions = [
            {"_op_type": "delete", "_index": target, "_id": str(pk), "version": version, "version_type": "external"}
            for target in targets
            for pk in photo_ids
        ]
        self._bulk(actions, refresh=settings.ELASTICSEARCH_REFRESH_ON_WRITE)

    # -- reads -------------------------------------------------------------------

    def search(self, vector: np.ndarray, k: int, model: str, filters: SearchFilters | None = None) -> list[Match]:
        if k <= 0:
            return []
        client = self._searches
        query = (
            Search(using=client, index=self.alias)
            .knn(
                field="image_embedding",
                k=k,
                num_candidates=min(10_000, max(k, settings.ELASTICSEARCH_NUM_CANDIDATES)),
                query_vector=np.asarray(vector, dtype=np.float32).tolist(),
                filter=Q("bool", filter=_filters(filters, model)),
            )
            .source(["dog_id"])
            .extra(size=k)
        )
        try:
            response = query.execute()
        except NotFoundError:
            return []  # nothing indexed yet
        except (ApiError, TransportError) as exc:
            if isinstance(exc, ApiError) and self._name_taken(client):
                raise IndexConflict(conflict_message(self.alias)) from exc
            raise _unavailable(exc) from exc
        # No hits is also what a foreign index holding the alias's name answers: say so, not "no matches".
        if not response.hits and self._name_taken(client):
            raise IndexConflict(conflict_message(self.alias))
        # Elasticsearch scores cosine as (1 + cosine) / 2; report the cosine itself, as the embedded index does.
        return [
            Match(photo_id=int(hit.meta.id), dog_id=int(hit.dog_id), score=min(1.0, 2 * hit.meta.score - 1))
            for hit in response
        ]

    def photo_ids(self) -> set[int]:
        """Ids of the documents behind the alias that can be photo ids (others are strays: see `inspect`)."""
        try:
            with closing(self._scan(self._operations, self.alias, source=False)) as hits:
                return {int(hit["_id"]) for hit in hits if PHOTO_ID.fullmatch(hit["_id"])}
        except NotFoundError:
            return set()
        except (ApiError, TransportError) as exc:
            raise _unavailable(exc) from exc

    def vectors(self, photo_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Stored vectors by photo id (for consistency checks)."""
        try:
            response = self._operations.mget(
                index=self.alias, ids=[str(pk) for pk in photo_ids], source=["image_embedding"]
            )
        except (ApiError, TransportError) as exc:
            raise _unavailable(exc) from exc
        return {
            int(doc["_id"]): np.asarray(doc["_source"]["image_embedding"], dtype=np.float32)
            for doc in response["docs"]
            if doc.get("found")
        }

    def _scan(self, client: Elasticsearch, index: str, source: bool | list[str]) -> Iterator[dict]:
        """Every document of `index`, a page per request, each bounded by `client`'s timeout.

        Consume it inside `closing()`: the scroll is then cleared where the loop ends. Left to the
        garbage collector (as the scan helper's generator was after a crash), the clean-up ran at
        interpreter exit and waited on a connection for minutes.
        """
        response = client.search(
            index=index, scroll=SCROLL_KEEP_ALIVE, size=SCAN_PAGE_SIZE, sort=["_doc"], version=True, source=source
        )
        scroll_id = response.get("_scroll_id")
        try:
            while response["hits"]["hits"]:
                yield from response["hits"]["hits"]
                response = client.scroll(scroll_id=scroll_id, scroll=SCROLL_KEEP_ALIVE)
                scroll_id = response.get("_scroll_id", scroll_id)
        except TransportError:
            # Unreachable or stalled: a clean-up would wait as long again, and the scroll expires by itself.
            scroll_id = None
            raise
        finally:
            if scroll_id:
                self._clear_scroll(client, scroll_id)

    def _clear_scroll(self, client: Elasticsearch, scroll_id: str) -> None:
        try:
            client.options(ignore_status=404, max_retries=0).clear_scroll(scroll_id=scroll_id)
        except (ApiError, TransportError) as exc:
            logger.warning("Could not clear a scroll; it expires by itself after %s: %s", SCROLL_KEEP_ALIVE, exc)

    # -- check and repair -----------------------------------------------------------

    def inspect(self, with_vectors: bool = False) -> IndexContents:
        """Each document's state, the strays, half-built indices, and whether an index took the alias's name.

        When one did, its documents are read instead, so `--adopt` can say what it holds.
        """
        client = self._operations
        contents = IndexContents(documents={})
        try:
            layout = self._layout(client)
            if layout.name_taken:
                contents.conflict = conflict_message(self.alias)
            readable = [self.alias] if layout.name_taken else list(layout.serving)
            if readable:
                self._read_documents(client, ",".join(readable), contents, with_vectors)
            contents.half_built = self._half_built(client, layout)
        except (ApiError, TransportError) as exc:
            raise _unavailable(exc) from exc
        return contents

    def _read_documents(self, client: Elasticsearch, index: str, contents: IndexContents, with_vectors: bool) -> None:
        fields = [*STATE_FIELDS, "image_embedding"] if with_vectors else STATE_FIELDS
        assert contents.documents is not None
        with closing(self._scan(client, index, source=fields)) as hits:
            for hit in hits:
                state = _state_of(hit, with_vectors)
                if state is None:
                    contents.strays.append(Stray(index=hit["_index"], id=hit["_id"]))
                else:
                    contents.documents[int(hit["_id"])] = state

    def _half_built(self, client: Elasticsearch, layout: Layout) -> list[HalfBuilt]:
        """Versioned indices not behind the alias: a rebuild is filling them, or was killed while it did."""
        found = client.indices.get(index=f"{self.alias}-*", expand_wildcards="open,closed").body
        now = time.time()
        result = []
        for name, info in sorted(found.items()):
            if not self.is_own_index(name) or name in layout.serving:
                continue
            progress_at = info.get("mappings", {}).get("_meta", {}).get("reunite", {}).get("progress_at")
            created_at = int(info["settings"]["index"]["creation_date"]) / 1000
            idle = max(0.0, now - float(progress_at or created_at))
            filling = self._fill_alias(name) in info.get("aliases", {})
            result.append(HalfBuilt(name=name, idle_s=idle, running=filling and idle < ABANDONED_AFTER_S))
        return result

    def remove_leftovers(self, strays: Sequence[Stray], half_built: Sequence[str]) -> None:
        client = self._operations
        actions = ({"_op_type": "delete", "_index": stray.index, "_id": stray.id} for stray in strays)
        try:
            # Strays are deleted from the concrete index they were found in: no alias to require.
            for ok, item in streaming_bulk(
                client, actions, chunk_size=settings.ELASTICSEARCH_BULK_CHUNK_SIZE, raise_on_error=False, refresh=True
            ):
                if not ok:
                    self._raise_unless_harmless(next(iter(item.values())))
            for name in half_built:
                if self.is_own_index(name):
                    client.indices.delete(index=name, ignore_unavailable=True)
        except (ApiError, TransportError, BulkIndexError) as exc:
            raise _unavailable(exc) from exc

    # -- rebuild -------------------------------------------------------------------

    def rebuild(
        self,
        documents: Iterable[IndexDocument],
        dimension: int,
        total: int | None = None,
        progress: Progress | None = None,
        *,
        follow_writes: bool = True,
        take_name: bool = False,
    ) -> int:
        """Fill a new index (see the module's docstring), then move the alias to it in one atomic step.

        `documents` is first read after the new index and its marker exist. `follow_writes=False`
        (a model change, whose writers still write the old model's vectors) leaves the marker out.
        """
        client = self._operations
        try:
            layout = self._layout(client)
            if not take_name:
                self._refuse_taken_name(layout)
            for built in self._half_built(client, layout):
                logger.warning("Removing index %s, left by an interrupted (or concurrent) rebuild.", built.name)
                self._discard(built.name)
            new = self._new_index(dimension, building=True, follow_writes=follow_writes)
        except (ApiError, TransportError) as exc:
            raise _unavailable(exc) from exc
        try:
            actions = self._with_heartbeat(self._actions(documents, self._fill_alias(new)), new)
            count = self._bulk(actions, progress)
            self._put_in_service(client, new, take_name)
        except (ApiError, TransportError) as exc:
            self._discard(new)
            raise _unavailable(exc) from exc
        except BaseException:
            self._discard(new)
            raise
        return count

    def _with_heartbeat(self, actions: Iterable[dict], index: str) -> Iterator[dict]:
        """Pass actions through, noting progress in the index's `_meta` now and then (see `_half_built`)."""
        noted = time.monotonic()
        for action in actions:
            if time.monotonic() - noted > HEARTBEAT_S:
                self._operations.indices.put_mapping(index=index, meta={"reunite": {"progress_at": time.time()}})
                noted = time.monotonic()
            yield action

    def _put_in_service(self, client: Elasticsearch, new: str, take_name: bool) -> None:
        client.indices.put_settings(
            index=new,
            settings={
                "number_of_replicas": settings.ELASTICSEARCH_REPLICAS,
                "refresh_interval": settings.ELASTICSEARCH_REFRESH_INTERVAL,
                "gc_deletes": None,
            },
        )
        client.indices.refresh(index=new)
        # Read again: another process may have created an index behind the alias, or taken its name, meanwhile.
        layout = self._layout(client)
        if not take_name:
            self._refuse_taken_name(layout)
        actions: list[dict] = [{"remove": {"index": name, "alias": self.alias}} for name in layout.serving]
        if layout.name_taken:
            actions.append({"remove_index": {"index": self.alias}})
        actions.append({"add": {"index": new, "alias": self.alias}})
        actions.append({"remove": {"index": new, "alias": self._fill_alias(new)}})
        if new in layout.building:
            actions.append({"remove": {"index": new, "alias": self.marker}})
        client.indices.update_aliases(actions=actions)
        for name in layout.serving:
            self._discard(name)

    def _discard(self, name: str) -> None:
        try:
            self._operations.indices.delete(index=name, ignore_unavailable=True)
        except (ApiError, TransportError):
            logger.warning("Could not delete index %s; remove it by hand once Elasticsearch answers.", name)
