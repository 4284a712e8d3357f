"""Reunite's performance benchmark: one command, every figure measured side by side in one run.

Usage::

    .venv/bin/python -m bench                 # default sizes, about 25 minutes on 2 cores
    .venv/bin/python -m bench --quick         # small sizes, about 5 minutes (a smoke test)
    .venv/bin/python -m bench --json-out PATH # default .cache/bench/results.json
    .venv/bin/python -m bench --only embedding variants   # some sections only
    .venv/bin/python -m bench --only elasticsearch --budget-minutes 60   # room for 1M photos

It prints a table and writes every figure, with the machine and the load
average, as JSON. What it measures:

1. Embedding throughput of a full-size CLIP ViT-B/32 with random weights on
   phone-sized JPEGs: the original blog's way against Reunite's sync, upload and
   import paths and the model alone, with each path's share of time in decoding,
   preprocessing and the model (bench.embedding); ways to run the model, against
   the machine's matmul peak measured in the same rounds (bench.variants).
2. Search latency of the embedded and Elasticsearch indexes alone
   (bench.embedded_index, bench.es), the whole photo-search request
   (bench.request), and the app under gunicorn with the production config and
   concurrent clients over loopback, start-up included (bench.concurrency).
3. Elasticsearch rebuild throughput over bulk chunk sizes (bench.es).
4. Elasticsearch recall@10 against exact search (bench.es).
5. Memory per indexed photo in the embedded backend (bench.embedded_index).

Nothing here is imported by the application. The model, the photos and the
exported ONNX files are cached under .cache/bench/ (git-ignored); Django runs
on a temporary SQLite file and media folder that are removed afterwards, and so
does the gunicorn server of the concurrency section (on a free loopback port).
Elasticsearch is a real server started by tests/support/elasticsearch_server.py.
"""
