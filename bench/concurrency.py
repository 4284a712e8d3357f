"""The real app under gunicorn, driven by concurrent clients over loopback.

gunicorn runs as the README's production guide says (`-c shelter/gunicorn.conf.py`:
gthread, 2 workers x 4 threads, TORCH_THREADS = cores / workers, warm start), DEBUG off,
on a free loopback port, with a temporary SQLite database and media folder holding
10,000 registered photos (the request section's `populate`). Clients are threads in
this process, each with its own keep-alive connection and a logged-in session:

* staff photo searches: a 1600x1200 JPEG POSTed to `search:find_owner`;
* mixed: the same, and one request in four an owner registering a dog with two photos
  (`dogs:create`), which writes the database, stores the files and re-indexes.

Each level (1, 4, 8, 16 clients) runs for a fixed time after a warm-up; it reports
requests/s, p50, p95, max, errors, and the CPU time the server's processes used as a
share of all cores (and the whole machine's, which includes any neighbour). Start-up is
measured too: the first requests after the workers report ready, the same with warm
start off (each worker loading the model on its first request, as before issue 20),
and a worker restarted while clients keep searching.

Run the database set-up by hand: python -m bench.concurrency '<json spec>'
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .runtime import REPO_ROOT, latency_summary

CSRF_SECRET = "benchmarkcsrfsecret0123456789abc"  # 32 characters: Django accepts it unmasked
REGISTER_EVERY = 4  # in the mixed runs, one request in this many registers a dog
LOADED_LINE = "Loaded embedding model"


# -- database set-up (runs in its own process, on the server's database) ------------------


def _prepare(spec: dict) -> dict:
    from .runtime import setup_django

    setup_django(spec["env"], create_tables=True)
    from django.contrib.auth.models import User
    from django.test import Client

    from dogs.models import Owner

    from .request import populate
    from .vectors import ClusteredSpace

    populate(spec["photos"], ClusteredSpace())

    def session(user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    owners = []
    for i in range(spec["owners"]):
        user = User.objects.create_user(f"bench-owner-{i}", f"bench-owner-{i}@example.org")
        Owner.objects.create(user=user, name=f"Bench owner {i}", email=user.email)
        owners.append(session(user))
    return {"staff": session(User.objects.get(username="bench-staff")), "owners": owners}


# -- the server -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the production config, its log in a file, stopped on exit."""

    def __init__(self, env: dict, log_path: Path) -> None:
        self.port = _free_port()
        self.log_path = log_path
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "shelter/gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}"],
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdout=log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def workers(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return sorted(pids)

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its workers so far."""
        total = 0
        for pid in [self.process.pid, *self.workers()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def models_loaded(self) -> int:
        return self.log_path.read_text(errors="replace").count(LOADED_LINE)

    def wait_until(self, condition, timeout: float, what: str) -> float:
        start = time.monotonic()
        while not condition():
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            if time.monotonic() - start > timeout:
                raise RuntimeError(f"gunicorn: no {what} after {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.05)
        return time.monotonic() - self.started

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# -- clients ----------------------------------------------------------------------------


@dataclass
class Bodies:
    """Multipart bodies encoded once, so the clients spend little CPU of their own."""

    search: list[tuple[bytes, str]]
    register: list[tuple[bytes, str]]

    @classmethod
    def from_photos(cls, photos: list[Path]) -> Bodies:
        from urllib3 import encode_multipart_formdata

        jpeg = [(p.name, p.read_bytes(), "image/jpeg") for p in photos]
        search = [encode_multipart_formdata({"photo": photo, "breed": ""}) for photo in jpeg]
        register = [
            encode_multipart_formdata(
                [
                    ("name", f"Dog {i}"),
                    ("breed", "Beagle"),
                    ("sex", "female"),
                    ("colour", "tan"),
                    ("photos", jpeg[i % len(jpeg)]),
                    ("photos", jpeg[(i + 1) % len(jpeg)]),
                ]
            )
            for i in range(len(jpeg))
        ]
        return cls(search, register)


@dataclass
class Outcome:
    kind: str
    started: float
    seconds: float
    ok: bool
    detail: str = ""


@dataclass
class Clients:
    port: int
    sessions: dict
    bodies: Bodies
    outcomes: list[Outcome] = field(default_factory=list)

    def request(self, pool, kind: str, i: int) -> Outcome:
        if kind == "search":
            path, session, expected = "/search/find-owner/", self.sessions["staff"], 200
            body, content_type = self.bodies.search[i % len(self.bodies.search)]
        else:
            owners = self.sessions["owners"]
            path, session, expected = "/dogs/new/", owners[i % len(owners)], 302
            body, content_type = self.bodies.register[i % len(self.bodies.register)]
        headers = {
            "Content-Type": content_type,
            "Cookie": f"sessionid={session}; csrftoken={CSRF_SECRET}",
            "X-CSRFToken": CSRF_SECRET,
        }
        start = time.monotonic()
        try:
            response = pool.request("POST", path, body=body, headers=headers, redirect=False, retries=False)
            ok = response.status == expected and (kind != "search" or b'class="card result' in response.data)
            detail = "" if ok else f"HTTP {response.status}: {response.data[:200]!r}"
        except Exception as exc:  # noqa: BLE001 - a failed request is a figure, not a crash
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        return Outcome(kind, start, time.monotonic() - start, ok, detail)

    def run(self, clients: int, seconds: float, mixed: bool, during=None) -> list[Outcome]:
        """`clients` threads, each sending one request after another until `seconds` have passed."""
        from urllib3 import HTTPConnectionPool

        deadline = time.monotonic() + seconds
        outcomes: list[Outcome] = []

        def client(number: int) -> None:
            pool = HTTPConnectionPool("127.0.0.1", self.port, maxsize=1, timeout=120)
            i = number
            while time.monotonic() < deadline:
                kind = "register" if mixed and i % REGISTER_EVERY == REGISTER_EVERY - 1 else "search"
                outcomes.append(self.request(pool, kind, i))
                i += clients

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        if during is not None:
            during()
        for thread in threads:
            thread.join()
        return outcomes


def _health(port: int) -> dict:
    from urllib3 import HTTPConnectionPool

    try:
        response = HTTPConnectionPool("127.0.0.1", port, timeout=5).request("GET", "/health/", retries=False)
        return json.loads(response.data)
    except Exception:  # noqa: BLE001 - not answering yet
        return {}


# -- measurements -----------------------------------------------------------------------


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def summarise(outcomes: list[Outcome], wall: float) -> dict:
    out: dict = {"wall_s": wall}
    for kind in sorted({o.kind for o in outcomes}):
        mine = [o for o in outcomes if o.kind == kind]
        ok = [o.seconds for o in mine if o.ok]
        out[kind] = {
            "requests": len(mine),
            "errors": len(mine) - len(ok),
            "requests_per_s": len(ok) / wall if wall else 0.0,
            **(latency_summary(ok) if ok else {}),
            "error_examples": sorted({o.detail for o in mine if not o.ok})[:3],
        }
    return out


def measure_level(server: Server, clients: Clients, count: int, seconds: float, mixed: bool) -> dict:
    cpu_before, (busy_before, total_before) = server.cpu_seconds(), _machine_jiffies()
    load_before = [round(x, 2) for x in os.getloadavg()]
    start = time.monotonic()
    outcomes = clients.run(count, seconds, mixed)
    wall = time.monotonic() - start
    busy_after, total_after = _machine_jiffies()
    out = summarise(outcomes, wall)
    out.update(
        clients=count,
        mixed=mixed,
        server_cpu_share=(server.cpu_seconds() - cpu_before) / (wall * (os.cpu_count() or 1)),
        machine_busy_share=(busy_after - busy_before) / max(1, total_after - total_before),
        load_average=[load_before, [round(x, 2) for x in os.getloadavg()]],
    )
    return out


def burst(clients: Clients, count: int) -> list[Outcome]:
    """`count` searches sent at the same moment, one each."""
    from urllib3 import HTTPConnectionPool

    outcomes: list[Outcome] = []

    def one(number: int) -> None:
        outcomes.append(clients.request(HTTPConnectionPool("127.0.0.1", clients.port, timeout=300), "search", number))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def startup(
    server: Server, clients: Clients, *, warm_start: bool, workers: int = 2, first: int = 8, bursts: int = 6
) -> dict:
    """From start to ready, then bursts of `first` searches at once until every worker holds the model.

    With warm start every worker loads on its own; without it a worker loads on its first
    request, so the bursts go on (at most `bursts`) until each worker has had one.
    """
    answers_s = server.wait_until(lambda: bool(_health(server.port)), 600, "answer on /health/")
    states = []

    def ready() -> bool:
        status = _health(server.port).get("status", "")
        if not states or states[-1] != status:
            states.append(status)
        return status in ("ok", "degraded")

    ready_s = server.wait_until(ready, 600, "ready /health/")
    start = time.monotonic()
    outcomes = burst(clients, first)
    for _ in range(bursts - 1):
        if server.models_loaded() >= workers:
            break
        outcomes += burst(clients, first)
    wall = time.monotonic() - start
    if warm_start:
        server.wait_until(lambda: server.models_loaded() >= workers, 600, "the model in every worker")
    every_worker = time.monotonic() - server.started if server.models_loaded() >= workers else None
    return {
        "first_answer_s": answers_s,
        "ready_s": ready_s,
        "every_worker_loaded_s": every_worker,
        "health_states": states,
        "first_requests": summarise(outcomes, wall),
    }


def restart_under_load(server: Server, clients: Clients, count: int, seconds: float) -> dict:
    """A worker ends (as after a crash or a reload) while `count` clients keep searching.

    Its replacement takes requests only once it holds the model (shelter/gunicorn.conf.py),
    so the searches' max says whether any request waited for a load; the replacement's own
    warm-up time comes from its log line.
    """
    loaded_before = server.models_loaded()
    events: dict = {}

    def watch_the_replacement() -> None:
        server.wait_until(lambda: server.models_loaded() > loaded_before, 600, "model in the replacement worker")
        events["replacement_ready_after_s"] = time.monotonic() - events["restarted_at"]

    def stop_a_worker() -> None:
        time.sleep(seconds / 4)
        events["restarted_at"] = time.monotonic()
        os.kill(server.workers()[0], signal.SIGTERM)
        watcher.start()

    watcher = threading.Thread(target=watch_the_replacement)
    start = time.monotonic()
    outcomes = clients.run(count, seconds, mixed=False, during=stop_a_worker)
    out = summarise(outcomes, time.monotonic() - start)
    watcher.join()
    return {
        **out,
        "clients": count,
        "restarted_at_s": events["restarted_at"] - start,
        "replacement_ready_after_s": events.get("replacement_ready_after_s"),
    }


def benchmark(
    *, env: dict, photos: list[Path], workdir: Path, levels: list[int], seconds: float, n_photos: int, log
) -> dict:
    from .embedding import run_worker

    folder = workdir / "concurrency"
    (folder / "media").mkdir(parents=True, exist_ok=True)
    server_env = {
        **env,
        "DATABASE_URL": f"sqlite:///{folder / 'server.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "INFO",  # the workers' "Loaded embedding model" lines
        "STATIC_ROOT": str(folder / "static"),
    }
    started = time.monotonic()
    # As the production guide does at every deploy: DEBUG off serves hashed static files.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=REPO_ROOT,
        env={**os.environ, **server_env},
        check=True,
        timeout=300,
    )
    sessions = run_worker("bench.concurrency", {"env": server_env, "photos": n_photos, "owners": 16}, timeout=900)
    log(f"  concurrency: database with {n_photos:,} photos ready in {time.monotonic() - started:.0f} s")
    # The staff searches: phone photos of 1600x1200.
    bodies = Bodies.from_photos([p for p in photos if "1600x1200" in p.name] or photos)
    out: dict = {"photos": n_photos, "levels": {}, "nproc": os.cpu_count(), "seconds_per_level": seconds}

    before = Server({**server_env, "EMBEDDING_WARM_START": "0"}, folder / "gunicorn-cold.log")
    try:
        out["startup_warm_start_off"] = startup(before, Clients(before.port, sessions, bodies), warm_start=False)
    finally:
        before.stop()
    cold = out["startup_warm_start_off"]["first_requests"]["search"]
    log(f"  warm start off: first requests max {cold.get('max_ms', 0):.0f} ms, errors {cold['errors']}")

    server = Server(server_env, folder / "gunicorn.log")
    try:
        clients = Clients(server.port, sessions, bodies)
        out["startup"] = startup(server, clients, warm_start=True)
        out["workers"] = server.workers()
        log(f"  warm start: ready after {out['startup']['ready_s']:.1f} s; states {out['startup']['health_states']}")
        clients.run(2, min(seconds, 5), mixed=False)  # every worker loads the index snapshot
        for mixed in (False, True):
            for count in levels:
                key = f"{'mixed' if mixed else 'search'} {count}"
                out["levels"][key] = result = measure_level(server, clients, count, seconds, mixed)
                search = result["search"]
                log(
                    f"  {key}: {search['requests_per_s']:.2f} searches/s, p50 {search.get('p50_ms', 0):.0f} ms, "
                    f"p95 {search.get('p95_ms', 0):.0f} ms, max {search.get('max_ms', 0):.0f} ms, "
                    f"errors {search['errors']}, server CPU {result['server_cpu_share']:.0%}"
                )
        out["restart"] = restart_under_load(server, clients, 4, max(seconds, 12))
        out["health_after"] = _health(server.port)
    finally:
        server.stop()
    return out


if __name__ == "__main__":
    print("RESULT " + json.dumps(_prepare(json.loads(sys.argv[1]))), flush=True)
