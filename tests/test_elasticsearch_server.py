"""End-to-end check of the real Elasticsearch test server (no Django, no mocks)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from tests.support.elasticsearch_server import ElasticsearchServer

INDEX = "server-smoke"


@pytest.fixture(scope="module")
def server() -> Iterator[ElasticsearchServer]:
    with ElasticsearchServer() as es:
        print(f"\nElasticsearch {es.version} started in {es.last_start_seconds:.1f}s at {es.url}")
        yield es


def _port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _knn_ids(client: Elasticsearch, vector: list[float]) -> list[str]:
    response = client.search(
        index=INDEX,
        knn={"field": "embedding", "query_vector": vector, "k": 1, "num_candidates": 10},
        source=False,
    )
    return [hit["_id"] for hit in response["hits"]["hits"]]


@pytest.mark.elasticsearch
@pytest.mark.slow
def test_knn_search_and_data_survives_restart(server: ElasticsearchServer) -> None:
    client = Elasticsearch(server.url, request_timeout=30)
    client.indices.create(
        index=INDEX,
        settings={"number_of_shards": 1, "number_of_replicas": 0},
        mappings={
            "properties": {
                "name": {"type": "keyword"},
                "embedding": {"type": "dense_vector", "dims": 4, "index": True, "similarity": "cosine"},
            }
        },
    )
    client.index(index=INDEX, id="rex", document={"name": "Rex", "embedding": [0.1, 0.9, 0.2, 0.0]})
    client.index(index=INDEX, id="bella", document={"name": "Bella", "embedding": [0.9, 0.0, 0.1, 0.3]})
    client.indices.refresh(index=INDEX)

    assert _knn_ids(client, [0.1, 0.8, 0.25, 0.0]) == ["rex"]
    client.close()

    # Outage: the process is gone and nothing listens on the port any more.
    port, url = server.http_port, server.url
    assert port is not None
    server.stop()
    assert not server.is_running()
    assert not _port_is_open(port)

    # Recovery: same port, same data directory, the documents are back.
    began = time.monotonic()
    server.start()
    print(f"restart took {time.monotonic() - began:.1f}s")
    assert server.is_running()
    assert server.url == url

    client = Elasticsearch(server.url, request_timeout=30)
    client.cluster.health(index=INDEX, wait_for_status="green", timeout="30s")
    assert client.get(index=INDEX, id="rex")["_source"]["name"] == "Rex"
    assert _knn_ids(client, [0.85, 0.0, 0.1, 0.3]) == ["bella"]
    client.close()
