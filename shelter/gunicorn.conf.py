"""gunicorn's settings for production: `gunicorn -c shelter/gunicorn.conf.py`.

Flags on the command line override these (`--bind 0.0.0.0:8000`, `--workers 4`).

Threads share one copy of the model per worker (about 600 MB for CLIP), so a few workers
with several threads each. Each worker loads the model as it starts (EMBEDDING_WARM_START,
on here unless set to 0), so no request pays for the load: `/health/` answers 503
"warming" until the first worker holds it, and the others take requests only once they do.
"""

from __future__ import annotations

import os

wsgi_app = "shelter.wsgi"
bind = "127.0.0.1:8000"
worker_class = "gthread"
workers = 2
threads = 4
timeout = 120

os.environ.setdefault("EMBEDDING_WARM_START", "1")


def post_fork(server, worker) -> None:
    """Before the app loads in the new worker: torch gets this worker's share of the cores.

    With more threads than that, the OpenMP threads of two workers contend for the same
    cores and wait for each other (BENCHMARKS.md, "under load"). TORCH_THREADS wins if set.
    """
    os.environ.setdefault("TORCH_THREADS", str(max(1, (os.cpu_count() or 1) // server.cfg.workers)))


def post_worker_init(worker) -> None:
    """The app is loaded and Django set up: load the model before serving, unless turned off."""
    from django.conf import settings

    if not settings.EMBEDDING_WARM_START:
        return
    from search.embeddings import warm_up

    warming = warm_up()
    if worker.age > 1:
        # Every worker but the first starts taking requests only once it holds the model, so no
        # request waits for a load: at start the first one answers readiness checks ("warming",
        # then "ok"), and while a replacement (after a crash or a reload) warms, the others serve.
        while warming.is_alive():
            worker.notify()  # the arbiter restarts a worker that stays silent for --timeout
            warming.join(timeout=1.0)
