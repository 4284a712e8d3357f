"""Reunite's performance benchmark: one command, every figure measured side by side in one run.

Usage::

    .venv/bin/python -m bench                 # default sizes, about 20-25 minutes on 2 cores
    .venv/bin/python -m bench --quick         # small sizes, under 3 minutes (a smoke test)
    .venv/bin/python -m bench --json-out PATH # default .cache/bench/results.json
    .venv/bin/python -m bench --only embedding variants   # some sections only
    .venv/bin/python -m bench --only elasticsearch --budget-minutes 60   # room for 1M photos

It prints a table and writes every figure, with the machine and the load
average, as JSON. What it measures:

1. Embedding throughput of a full-size CLIP ViT-B/32 with random weights on
   phone-sized JPEGs: the original blog's way against Reunite's sync and upload
   paths (bench.embedding), and faster runtimes checked by cosine (bench.variants).
2. Search latency of the embedded and Elasticsearch indexes alone
   (bench.embedded_index, bench.es), and the whole photo-search request
   (bench.request).
3. Elasticsearch rebuild throughput over bulk chunk sizes (bench.es).
4. Elasticsearch recall@10 against exact search (bench.es).
5. Memory per indexed photo in the embedded backend (bench.embedded_index).

Nothing here is imported by the application. The model, the photos and the
exported ONNX files are cached under .cache/bench/ (git-ignored); Django runs
on a temporary SQLite file and media folder that are removed afterwards.
Elasticsearch is a real server started by tests/support/elasticsearch_server.py.
"""
