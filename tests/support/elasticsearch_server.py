"""Start and stop a real Elasticsearch 9 server for the test suite.

The server is the official ``integ-test-zip`` distribution published on Maven
Central (``org.elasticsearch.distribution.integ-test-zip:elasticsearch``). It
is fetched with Maven into the git-ignored ``.cache/`` folder, unpacked once,
and run from there with a throw-away data/logs/config directory.

Usage from Python::

    with ElasticsearchServer() as es:
        client = Elasticsearch(es.url)
        ...
        es.stop()    # simulate an outage: process gone, port closed
        es.start()   # recovery: same port, same data dir, data survived
        with es.paused():   # a stalled server (SIGSTOP): connections open, no answers
            ...

Usage from the shell::

    python -m tests.support.elasticsearch_server fetch   # warm the cache (CI)
    python -m tests.support.elasticsearch_server run     # serve until Ctrl-C

What this distribution can NOT do (it is the minimal build Elastic uses for
its own REST tests: server + apm, transport-netty4, x-pack-core and
x-pack-security modules only):

* no ``rest-root`` module: ``GET /`` and ``HEAD /`` answer 405, so the python
  client's ``info()`` raises and ``ping()`` returns False. Probe health with
  ``cluster.health()`` instead.
* no ``analysis-common``: only core analyzers/filters (``standard``,
  ``simple``, ``whitespace``, ``keyword``, ``lowercase`` ...); ``english``,
  ``asciifolding``, ``edge_ngram`` ... are unknown.
* no ``mapper-extras`` (``search_as_you_type``, ``scaled_float``, ...), no
  ``reindex`` (``_delete_by_query``, ``_update_by_query``, ``_reindex``), no
  painless scripts, no ingest pipelines/geoip.

``dense_vector``/kNN, ``geo_point``, ``function_score``, aggregations and the
document/index/bulk APIs work.

Environment variables:

``ES_TEST_VERSION``
    Server version to fetch (default: :data:`DEFAULT_VERSION`).
``ES_JAVA_HOME``
    JDK (21+) used to run the server; otherwise ``/usr/lib/jvm/*`` is scanned.
``ES_TEST_JAVA_OPTS``
    Overrides the JVM heap options (default ``-Xms512m -Xmx1g``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from .processes import ThrowawayServer, ensure_system_user, free_port, raise_keyboard_interrupt, tail

# 9.2.4 is the newest 9.x integ-test-zip confirmed to be on Maven Central.
# The python client in the venv is 9.5.1, but 9.5.1 of this artifact is *not*
# published (checked with ``mvn dependency:get``), and the Central
# ``maven-metadata.xml`` of this artifact does not list any 9.x release at all,
# so it cannot be used to discover a newer one. A 9.5 client talks to a 9.2
# server fine (same major => the ``compatible-with=9`` header is accepted);
# only APIs/parameters added after 9.2 would be missing on the server side.
DEFAULT_VERSION = "9.2.4"
MAVEN_COORDINATES = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
MIN_JAVA_MAJOR = 21
ES_USER = "reunite-es"
DEFAULT_JAVA_OPTS = "-Xms512m -Xmx1g"

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".cache"
MAVEN_REPO = CACHE_DIR / "m2"

START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0


class ElasticsearchServerError(RuntimeError):
    """Raised when the test server cannot be fetched, started or stopped."""


def es_version() -> str:
    return os.environ.get("ES_TEST_VERSION", "").strip() or DEFAULT_VERSION


def _zip_path(version: str) -> Path:
    group = "org/elasticsearch/distribution/integ-test-zip"
    return MAVEN_REPO / group / "elasticsearch" / version / f"elasticsearch-{version}.zip"


def download_distribution(version: str) -> Path:
    """Return the distribution zip, downloading it with Maven if not cached."""
    zip_path = _zip_path(version)
    if zip_path.is_file():
        # Already in the local Maven repo: no need to start Maven (works offline).
        return zip_path
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ElasticsearchServerError(
            "Maven ('mvn') is required to download the Elasticsearch test server; "
            "install it (e.g. 'apt-get install maven')."
        )
    cmd = [
        mvn,
        "-B",
        "-q",
        # Maven caches "not found" (*.lastUpdated); without -U a transient
        # network failure would stick. Only reached when the zip is missing.
        "-U",
        "-Dstyle.color=never",
        f"-Dmaven.repo.local={MAVEN_REPO}",
        "dependency:get",
        f"-Dartifact={MAVEN_COORDINATES.format(version=version)}",
        "-Dtransitive=false",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=CACHE_DIR)
    if proc.returncode != 0 or not zip_path.is_file():
        output = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
        errors = [line for line in output.splitlines() if line.startswith("[ERROR]") and line.strip() != "[ERROR]"]
        raise ElasticsearchServerError(
            f"Could not download Elasticsearch {version} from Maven Central "
            f"(does that version exist? set ES_TEST_VERSION):\n" + "\n".join(errors[:3] or [output[-2000:]])
        )
    return zip_path


def _extract_zip(zip_path: Path, dest: Path) -> None:
    """Extract keeping the unix permission bits (zipfile drops them)."""
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            target = Path(archive.extract(info, dest))
            mode = (info.external_attr >> 16) & 0o777
            if info.is_dir():
                target.chmod(0o755)
            else:
                # Make everything world-readable (and bin/* executable) so the
                # unprivileged server user can use the distribution.
                target.chmod((mode or 0o644) | 0o444 | (0o111 if mode & 0o100 else 0))


def ensure_distribution(version: str | None = None) -> Path:
    """Download (if needed) and unpack into ``.cache/elasticsearch-<version>/``."""
    version = version or es_version()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    home = CACHE_DIR / f"elasticsearch-{version}"
    if (home / "bin" / "elasticsearch").is_file():
        return home
    zip_path = download_distribution(version)
    # Unpack next to the final location and rename: a half-extracted tree
    # (interrupted run, parallel workers) is never mistaken for a good one.
    staging = Path(tempfile.mkdtemp(prefix=f".elasticsearch-{version}-", dir=CACHE_DIR))
    try:
        _extract_zip(zip_path, staging)
        unpacked = staging / f"elasticsearch-{version}"
        if not (unpacked / "bin" / "elasticsearch").is_file():
            raise ElasticsearchServerError(f"Unexpected layout in {zip_path}")
        try:
            unpacked.rename(home)
        except OSError:
            # Another process won the race; its copy is as good as ours.
            if not (home / "bin" / "elasticsearch").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return home


def _java_major(java_home: Path) -> int | None:
    """Major version of the JDK at ``java_home`` (None if unusable)."""
    java = java_home / "bin" / "java"
    if not os.access(java, os.X_OK):
        return None
    version: str | None = None
    release = java_home / "release"
    if release.is_file():
        match = re.search(r'^JAVA_VERSION="([^"]+)"', release.read_text(errors="replace"), re.M)
        version = match.group(1) if match else None
    if version is None:
        try:
            proc = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        match = re.search(r'version "([^"]+)"', proc.stderr)
        version = match.group(1) if match else None
    if version is None:
        return None
    # "25.0.3", "21", "17-ea", and Java 8's legacy "1.8.0_402" scheme.
    match = re.match(r"(?:1\.)?(\d+)", version)
    return int(match.group(1)) if match else None


def find_java_home() -> Path:
    """``ES_JAVA_HOME`` if set, else the newest JDK >= 21 under /usr/lib/jvm."""
    explicit = os.environ.get("ES_JAVA_HOME")
    if explicit:
        home = Path(explicit)
        major = _java_major(home)
        if major is None or major < MIN_JAVA_MAJOR:
            raise ElasticsearchServerError(
                f"ES_JAVA_HOME={explicit} is not a Java {MIN_JAVA_MAJOR}+ installation "
                f"(detected major version: {major})."
            )
        return home
    candidates: list[tuple[int, Path]] = []
    jvm_root = Path("/usr/lib/jvm")
    if jvm_root.is_dir():
        for entry in sorted(jvm_root.iterdir()):
            major = _java_major(entry)
            if major is not None and major >= MIN_JAVA_MAJOR:
                candidates.append((major, entry.resolve()))
    if not candidates:
        raise ElasticsearchServerError(
            f"Elasticsearch {es_version()} needs Java {MIN_JAVA_MAJOR} or newer and none was "
            "found under /usr/lib/jvm. Install one (e.g. 'apt-get install openjdk-21-jdk-headless' "
            "or a Temurin 21/25 JDK) or point ES_JAVA_HOME at it."
        )
    return max(candidates, key=lambda c: c[0])[1]


def _user_can_use(home: Path, user: pwd.struct_passwd) -> bool:
    """Ask the kernel (not the mode bits) whether ``user`` can run from ``home``."""
    probe = [
        "sh",
        "-c",
        'test -x "$1/bin/elasticsearch" && test -r "$1/lib" && ls "$1/lib" >/dev/null',
        "probe",
        str(home),
    ]
    try:
        proc = subprocess.run(probe, user=user.pw_uid, group=user.pw_gid, extra_groups=[], capture_output=True)
    except OSError:
        return False
    return proc.returncode == 0


def _readable_home_for(home: Path, user: pwd.struct_passwd) -> Path:
    """Return a copy of ``home`` that ``user`` can read and execute.

    The unpacked tree itself is world-readable (see ``_extract_zip``), but the
    checkout may live below a directory that other users cannot traverse
    (e.g. a 0700 home directory). Instead of loosening permissions on parent
    directories we do not own (a side effect outside the repo that would
    persist after the tests), we copy the distribution once to a
    version-keyed directory under the system temp dir, which is always
    traversable. If the checkout is already traversable (the common case) the
    cached tree is used in place and nothing is copied.
    """
    if _user_can_use(home, user):
        return home
    staged = Path(tempfile.gettempdir()) / f"reunite-{home.name}"
    marker = staged / ".complete"
    if marker.is_file():
        return staged
    tmp = Path(tempfile.mkdtemp(prefix=f".reunite-{home.name}-"))
    try:
        shutil.copytree(home, tmp / "es", symlinks=True)
        (tmp / "es" / ".complete").touch()
        (tmp / "es").chmod(0o755)
        try:
            (tmp / "es").rename(staged)
        except OSError:
            if not marker.is_file():
                shutil.rmtree(staged, ignore_errors=True)
                (tmp / "es").rename(staged)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not _user_can_use(staged, user):
        raise ElasticsearchServerError(f"User {ES_USER!r} cannot read the Elasticsearch copy at {staged}")
    return staged


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


class ElasticsearchServer(ThrowawayServer):
    """A single-node Elasticsearch bound to 127.0.0.1 on free ports.

    ``stop()`` only stops the process: the data directory and the ports are
    kept, so a following ``start()`` brings the *same* node back (outage and
    recovery tests). ``close()`` (also called by ``__exit__`` and at
    interpreter exit) stops the server and deletes its temporary directory.
    """

    name = "Elasticsearch"
    error = ElasticsearchServerError
    ready_means = "become healthy"
    ready_poll_s = 0.5
    # SIGTERM to the CLI JVM triggers a graceful node shutdown (it tells the server JVM to stop
    # and waits for it), flushing data. The server JVM also exits on its own once its CLI parent
    # is gone.
    stop_signal = signal.SIGTERM
    stop_timeout_s = STOP_TIMEOUT_S

    def __init__(
        self,
        version: str | None = None,
        *,
        java_home: Path | None = None,
        java_opts: str | None = None,
        settings: Mapping[str, str] | None = None,
        start_timeout: float = START_TIMEOUT_S,
    ) -> None:
        self.version = version or es_version()
        self.java_opts = java_opts or os.environ.get("ES_TEST_JAVA_OPTS") or DEFAULT_JAVA_OPTS
        # Extra/overriding ``-E`` node settings for special-purpose tests.
        self.extra_settings = dict(settings or {})
        self._java_home = java_home
        self._base_dir: Path | None = None
        self._es_home: Path | None = None
        self._user: pwd.struct_passwd | None = None
        self.http_port: int | None = None
        self.transport_port: int | None = None
        super().__init__(start_timeout)

    @property
    def url(self) -> str:
        if self.http_port is None:
            raise ElasticsearchServerError("Server has not been started yet")
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def log_dir(self) -> Path | None:
        return self._base_dir / "logs" if self._base_dir else None

    def stop(self, *, remove_data: bool = False) -> None:
        """Stop the server; keep its data dir and ports unless ``remove_data``."""
        with self._lock:
            super().stop()
            if remove_data:
                self._remove_dirs()

    def close(self) -> None:
        self.stop(remove_data=True)

    def pause(self) -> None:
        """Stall the server (SIGSTOP to its process group): its port still accepts connections, nothing answers.

        Always `resume()` in a `finally` (or use `paused()`): other tests share the server.
        """
        with self._lock:
            if not self.is_running():
                raise ElasticsearchServerError("Cannot pause a server that is not running")
            assert self._process is not None
            os.killpg(self._process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Undo `pause()` (SIGCONT); harmless when the server is not paused."""
        with self._lock:
            if self._process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGCONT)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        self.pause()
        try:
            yield
        finally:
            self.resume()

    def _prepare(self) -> None:
        """Resolve Java, the distribution, the user and (once) the dirs/ports."""
        if self._java_home is None:
            self._java_home = find_java_home()
        if self._es_home is None:
            home = ensure_distribution(self.version)
            if os.geteuid() == 0:
                self._user = ensure_system_user(ES_USER, ElasticsearchServerError)
                home = _readable_home_for(home, self._user)
            self._es_home = home
        if self._base_dir is not None:
            return  # restart: reuse data dir and ports
        base = Path(tempfile.mkdtemp(prefix="reunite-es-"))
        for sub in ("data", "logs", "tmp", "home"):
            (base / sub).mkdir()
        # The server writes into its config dir (elasticsearch.keystore, ...),
        # so each instance gets a private copy instead of touching the cache.
        shutil.copytree(self._es_home / "config", base / "config")
        if self._user is not None:
            _chown_tree(base, self._user.pw_uid, self._user.pw_gid)
        self._base_dir = base
        self.http_port = free_port()
        self.transport_port = free_port()
        while self.transport_port == self.http_port:
            self.transport_port = free_port()

    def _spawn(self) -> subprocess.Popen[bytes]:
        assert self._base_dir and self._es_home and self._java_home
        base = self._base_dir
        settings = {
            "cluster.name": "reunite-test",
            "node.name": "reunite-test-node",
            "path.data": str(base / "data"),
            "path.logs": str(base / "logs"),
            "network.host": "127.0.0.1",
            "http.port": str(self.http_port),
            "transport.port": str(self.transport_port),
            "discovery.type": "single-node",
            "xpack.security.enabled": "false",
            # Tests fill small disks quickly; never let the watermark block writes.
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            # Lets tests delete indices with wildcards between cases.
            "action.destructive_requires_name": "false",
            # The integ-test-zip has no ML module; the setting is still
            # registered by x-pack-core, so it is accepted (and keeps the node
            # lean should the distribution ever include ML).
            "xpack.ml.enabled": "false",
            # NOTE: ingest.geoip.downloader.enabled must NOT be set: this
            # distribution only ships the apm, transport-netty4, x-pack-core
            # and x-pack-security modules, so the setting is unknown and the
            # node refuses to start.
        }
        settings.update(self.extra_settings)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ES_", "JAVA_"))}
        env.update(
            ES_JAVA_HOME=str(self._java_home),
            ES_JAVA_OPTS=self.java_opts,
            ES_PATH_CONF=str(base / "config"),
            # Otherwise the launcher creates (and leaks) /tmp/elasticsearch-*.
            ES_TMPDIR=str(base / "tmp"),
            HOME=str(base / "home"),
        )
        cmd = [str(self._es_home / "bin" / "elasticsearch")]
        cmd += [f"-E{key}={value}" for key, value in settings.items()]
        as_user: dict[str, object] = {}
        if self._user is not None:
            # Popen's user=/group= switch identity right before exec: no
            # runuser/su wrapper process, so our SIGTERM reaches the
            # Elasticsearch CLI directly and it can shut down gracefully
            # (su/runuser would SIGKILL the child a few seconds after a TERM).
            as_user.update(user=self._user.pw_uid, group=self._user.pw_gid, extra_groups=[])
        # In its own session a terminal's Ctrl-C does not hit the JVMs directly, and stop() kills
        # the CLI *and* the server JVM child. jvm.options writes gc.log / hs_err files relative
        # to the cwd.
        return self._popen(cmd, base / "logs" / "console.log", env=env, cwd=base / "logs", **as_user)

    def _ready(self) -> bool:
        health = f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s"
        try:
            with urllib.request.urlopen(health, timeout=5) as response:
                return json.load(response).get("status") in ("yellow", "green")
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
            return False

    def _log_tail(self) -> str:
        assert self._base_dir is not None
        logs = self._base_dir / "logs"
        parts = [f"--- {logs / 'console.log'} ---", tail(logs / "console.log", 60)]
        server_log = logs / "reunite-test.log"
        if server_log.is_file():
            parts += [f"--- {server_log} ---", tail(server_log, 30)]
        return "\n".join(parts)

    def _port(self) -> int | None:
        return self.http_port

    def _terminate(self, process: subprocess.Popen[bytes]) -> None:
        # A paused (SIGSTOPped) server would not act on SIGTERM until killed.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGCONT)
        super()._terminate(process)

    def _remove_dirs(self) -> None:
        if self._base_dir is not None:
            shutil.rmtree(self._base_dir, ignore_errors=True)
        self._base_dir = None
        self.http_port = None
        self.transport_port = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.elasticsearch_server")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="download and unpack the server only (warms the CI cache)")
    sub.add_parser("run", help="start a server and print its URL until Ctrl-C")
    args = parser.parse_args(argv)

    if args.command == "fetch":
        try:
            print(ensure_distribution())
        except ElasticsearchServerError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0

    server = ElasticsearchServer()
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    signal.signal(signal.SIGINT, raise_keyboard_interrupt)
    try:
        server.start()
        print(
            f"Elasticsearch {server.version} ready at {server.url} "
            f"(started in {server.last_start_seconds:.1f}s, logs: {server.log_dir}); Ctrl-C to stop",
            flush=True,
        )
        while server.is_running():
            time.sleep(1)
        print("Elasticsearch exited unexpectedly", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except ElasticsearchServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())
