from __future__ import annotations

import signal

from django.core.management.base import BaseCommand

from worker.loop import Worker
from worker.models import Heartbeat


class Command(BaseCommand):
    help = (
        "Run the background worker: embed and index photos, send emails and webhooks, with retries. "
        "Run one or more beside the web server; they share the work safely."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--until-idle", action="store_true", help="Stop when nothing is due (e.g. after a deploy).")
        parser.add_argument("--worker-id", default="", help="A name for this worker (default: host-pid-random).")

    def handle(self, *args, until_idle: bool, worker_id: str, **options) -> None:
        worker = Worker(worker_id or None)

        def stop(signum, frame) -> None:
            self.stdout.write(f"Stopping after the current item ({signal.strsignal(signum)}).")
            worker.stop()

        # SIGTERM (systemd, containers, `make run` ending) and Ctrl-C: finish the item in hand, then stop.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        Heartbeat.forget_old()
        self.stdout.write(f"Worker {worker.worker_id} started.")
        done = worker.run(until_idle=until_idle)
        self.stdout.write(f"Worker {worker.worker_id} stopped after {done} item(s).")
