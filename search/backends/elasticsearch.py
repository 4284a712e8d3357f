"""The Elasticsearch index: kNN on a dense_vector, one document per photo.

Searches and writes go through an alias (settings.ELASTICSEARCH_INDEX, by default
`dog-image-index`); a rebuild fills a new versioned index and moves the alias in
one step, so searches never see a half-built or empty index.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

import numpy as np
from django.conf import settings
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError
from elasticsearch.dsl import Date, DenseVector, GeoPoint, Index, Keyword, Mapping, Object, Q, Search
from elasticsearch.helpers import BulkIndexError, scan, streaming_bulk
from elasticsearch.serializer import OrjsonSerializer

from .base import IndexDocument, IndexUnavailable, Match, SearchFilters

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]


WRONG_MODEL = (
    "The index holds vectors of another embedding model (a different dimension). "
    "Run `manage.py search_index --rebuild` (or `manage.py change_model`) to rebuild it for this model."
)


def _is_dimension_error(text: str) -> bool:
    return "dims" in text or "dimension" in text


def _unavailable(exc: Exception) -> IndexUnavailable:
    if isinstance(exc, ApiError) and exc.status_code == 400 and _is_dimension_error(str(exc)):
        return IndexUnavailable(WRONG_MODEL)
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
        clauses.append(Q("term", breed={"value": filters.breed, "case_insensitive": True}))
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


class ElasticsearchIndex:
    def __init__(self, client: Elasticsearch | None = None, alias: str | None = None, source: object = None) -> None:
        # `source` is for in-process backends; this one reads everything from Elasticsearch.
        self._client = client
        self.alias = alias or settings.ELASTICSEARCH_INDEX

    @property
    def client(self) -> Elasticsearch:
        if self._client is None:
            self._client = make_client()
        return self._client

    # -- index lifecycle -------------------------------------------------------

    def _new_index(self, dimension: int, *, building: bool = False) -> str:
        name = f"{self.alias}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"
        index = Index(name, using=self.client)
        index.settings(
            number_of_shards=settings.ELASTICSEARCH_SHARDS,
            # A bulk build goes fastest with no replicas and no refreshes; both are restored after.
            number_of_replicas=0 if building else settings.ELASTICSEARCH_REPLICAS,
            refresh_interval="-1" if building else settings.ELASTICSEARCH_REFRESH_INTERVAL,
        )
        index.mapping(photo_mapping(dimension))
        index.create()
        return name

    def concrete_indices(self) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).keys())
        except NotFoundError:
            return []
        except (ApiError, TransportError) as exc:
            raise IndexUnavailable(f"Elasticsearch is unavailable: {exc}") from exc

    def ensure(self, dimension: int) -> None:
        try:
            if self.client.indices.exists_alias(name=self.alias):
                return
            name = self._new_index(dimension)
            self.client.indices.put_alias(index=name, name=self.alias)
        except (ApiError, TransportError) as exc:
            raise IndexUnavailable(f"Elasticsearch is unavailable: {exc}") from exc

    def drop(self) -> None:
        for name in self.concrete_indices():
            self.client.indices.delete(index=name, ignore_unavailable=True)

    def ping(self, timeout: float) -> None:
        # Not client.ping(): `GET /` is missing from some builds (the integ-test zip) and proxies.
        client = self.client.options(request_timeout=timeout, max_retries=0, retry_on_timeout=False)
        client.indices.exists_alias(name=self.alias)

    def refresh(self) -> None:
        try:
            self.client.indices.refresh(index=self.alias)
        except (ApiError, TransportError) as exc:
            raise IndexUnavailable(f"Elasticsearch is unavailable: {exc}") from exc

    # -- writes ------------------------------------------------------------------

    def _actions(self, documents: Iterable[IndexDocument], index: str) -> Iterable[dict]:
        for document in documents:
            yield {
                "_op_type": "index",
                "_index": index,
                "_id": str(document.photo_id),
                # External versions: a stale write from a slower worker is refused (409), not applied.
                "version": document.version,
                "version_type": "external",
                "_source": _source(document),
            }

    def _bulk(self, actions: Iterable[dict], progress: Progress | None = None, *, refresh: bool = False) -> int:
        done = 0
        try:
            for ok, item in streaming_bulk(
                self.client,
                actions,
                chunk_size=settings.ELASTICSEARCH_BULK_CHUNK_SIZE,
                raise_on_error=False,
                max_retries=3,  # backs off on 429 (too many requests)
                refresh="true" if refresh else "false",
            ):
                result = next(iter(item.values()))
                if not ok and result.get("status") not in (404, 409):
                    error = str(result.get("error"))
                    if _is_dimension_error(error):
                        raise IndexUnavailable(WRONG_MODEL)
                    raise IndexUnavailable(f"Elasticsearch refused a document: {error}")
                done += 1
                if progress is not None:
                    progress(1)
        except (ApiError, TransportError, BulkIndexError) as exc:
            raise _unavailable(exc) from exc
        return done

    def upsert(self, documents: Sequence[IndexDocument]) -> None:
        if not documents:
            return
        self.ensure(len(documents[0].vector))
        self._bulk(self._actions(documents, self.alias), refresh=settings.ELASTICSEARCH_REFRESH_ON_WRITE)

    def delete(self, photo_ids: Sequence[int]) -> None:
        if not photo_ids:
            return
        # A version above any earlier write: a late, stale upsert cannot bring the photo back.
        version = time.time_ns() // 1000
        actions = (
            {"_op_type": "delete", "_index": self.alias, "_id": str(pk), "version": version, "version_type": "external"}
            for pk in photo_ids
        )
        try:
            if not self.client.indices.exists_alias(name=self.alias):
                return
        except (ApiError, TransportError) as exc:
            raise IndexUnavailable(f"Elasticsearch is unavailable: {exc}") from exc
        self._bulk(actions, refresh=settings.ELASTICSEARCH_REFRESH_ON_WRITE)

    # -- reads -------------------------------------------------------------------

    def search(self, vector: np.ndarray, k: int, model: str, filters: SearchFilters | None = None) -> list[Match]:
        if k <= 0:
            return []
        query = (
            Search(using=self.client, index=self.alias)
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
            raise _unavailable(exc) from exc
        # Elasticsearch scores cosine as (1 + cosine) / 2; report the cosine itself, as the embedded index does.
        return [
            Match(photo_id=int(hit.meta.id), dog_id=int(hit.dog_id), score=min(1.0, 2 * hit.meta.score - 1))
            for hit in response
        ]

    def photo_ids(self) -> set[int]:
        try:
            if not self.client.indices.exists_alias(name=self.alias):
                return set()
            return {int(hit["_id"]) for hit in scan(self.client, index=self.alias, _source=False, size=2000)}
        except (ApiError, TransportError) as exc:
            raise IndexUnavailable(f"Elasticsearch is unavailable: {exc}") from exc

    def vectors(self, photo_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Stored vectors by photo id (for consistency checks)."""
        try:
            response = self.client.mget(index=self.alias, ids=[str(pk) for pk in photo_ids], source=["image_embedding"])
        except (ApiError, TransportError) as exc:
            raise IndexUnavailable(f"Elasticsearch is unavailable: {exc}") from exc
        return {
            int(doc["_id"]): np.asarray(doc["_source"]["image_embedding"], dtype=np.float32)
            for doc in response["docs"]
            if doc.get("found")
        }

    # -- rebuild -------------------------------------------------------------------

    def rebuild(
        self,
        documents: Iterable[IndexDocument],
        dimension: int,
        total: int | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Stream documents into a new index, then move the alias to it in one atomic step."""
        try:
            old = self.concrete_indices()
            self._remove_abandoned_builds(keep=old)
            new = self._new_index(dimension, building=True)
        except (ApiError, TransportError) as exc:
            raise IndexUnavailable(f"Elasticsearch is unavailable: {exc}") from exc
        try:
            count = self._bulk(self._actions(documents, new), progress)
            self.client.indices.put_settings(
                index=new,
                settings={
                    "number_of_replicas": settings.ELASTICSEARCH_REPLICAS,
                    "refresh_interval": settings.ELASTICSEARCH_REFRESH_INTERVAL,
                },
            )
            self.client.indices.refresh(index=new)
            actions = [{"remove": {"index": name, "alias": self.alias}} for name in old]
            actions.append({"add": {"index": new, "alias": self.alias}})
            self.client.indices.update_aliases(actions=actions)
        except (ApiError, TransportError, IndexUnavailable) as exc:
            self._discard(new)
            if isinstance(exc, IndexUnavailable):
                raise
            raise IndexUnavailable(f"Elasticsearch is unavailable: {exc}") from exc
        except BaseException:
            self._discard(new)
            raise
        for name in old:
            self._discard(name)
        return count

    def _remove_abandoned_builds(self, keep: list[str]) -> None:
        """Delete half-built indices left by an interrupted rebuild (they never got the alias)."""
        found = self.client.indices.get(index=f"{self.alias}-*", expand_wildcards="open,closed")
        for name in found:
            if name not in keep:
                logger.info("Removing index %s left by an interrupted rebuild.", name)
                self._discard(name)

    def _discard(self, name: str) -> None:
        try:
            self.client.indices.delete(index=name, ignore_unavailable=True)
        except (ApiError, TransportError):
            logger.warning("Could not delete index %s; remove it by hand once Elasticsearch answers.", name)
