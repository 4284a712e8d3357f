"""Start and stop moto's standalone S3 server, a stand-in for AWS S3 (or MinIO) in tests.

The server runs as a subprocess on 127.0.0.1 and a free port, so the app talks to it
over real HTTP through boto3 and django-storages, exactly as to S3 in production.

Usage::

    with S3Server() as s3:
        s3.create_bucket("photos")
        client = s3.client()
        ...

    python -m tests.support.s3_server run    # print the endpoint, serve until Ctrl-C
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .processes import ThrowawayServer, free_port, raise_keyboard_interrupt, tail

# moto accepts any credentials; these only have to be consistent.
ACCESS_KEY = "reunite-test-access-key"
SECRET_KEY = "reunite-test-secret-key"
REGION = "us-east-1"

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


class S3ServerError(RuntimeError):
    """Raised when the moto server cannot be started."""


class S3Server(ThrowawayServer):
    """moto's S3-compatible server on 127.0.0.1; data lives in memory and goes with the process."""

    name = "moto server"
    error = S3ServerError
    stop_timeout_s = STOP_TIMEOUT_S

    def __init__(self, start_timeout: float = START_TIMEOUT_S) -> None:
        self.port: int | None = None
        self._log: Path | None = None
        super().__init__(start_timeout)

    @property
    def endpoint_url(self) -> str:
        if self.port is None:
            raise S3ServerError("Server has not been started yet")
        return f"http://127.0.0.1:{self.port}"

    def client(self):
        """A boto3 S3 client for this server (to inspect buckets from tests)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def storage_options(self, bucket: str, **overrides: object) -> dict:
        """`STORAGES["default"]["OPTIONS"]` for django-storages' S3Storage against this server."""
        return {
            "bucket_name": bucket,
            "endpoint_url": self.endpoint_url,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            **overrides,
        }

    def _prepare(self) -> None:
        self.port = free_port()
        handle, log = tempfile.mkstemp(prefix="reunite-moto-", suffix=".log")
        self._log = Path(log)
        os.close(handle)

    def _spawn(self) -> subprocess.Popen[bytes]:
        assert self._log is not None
        return self._popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)], self._log)

    def _ready(self) -> bool:
        try:
            # moto's own API answers once the server is up (S3 itself would need a signed request).
            with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/data.json", timeout=2):
                return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def _log_tail(self) -> str:
        return tail(self._log) if self._log else ""

    def _port(self) -> int | None:
        return self.port

    def _teardown(self) -> None:
        if self._log is not None:
            self._log.unlink(missing_ok=True)
            self._log = None
        self.port = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.s3_server")
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="start a server (and a bucket) and print its endpoint until Ctrl-C")
    run.add_argument("--bucket", default="reunite-media")
    args = parser.parse_args(argv)

    server = S3Server()
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    try:
        server.start()
        server.create_bucket(args.bucket)
        print(
            f"AWS_S3_ENDPOINT_URL={server.endpoint_url} AWS_STORAGE_BUCKET_NAME={args.bucket} "
            f"AWS_S3_REGION_NAME={REGION} AWS_ACCESS_KEY_ID={ACCESS_KEY} AWS_SECRET_ACCESS_KEY={SECRET_KEY}",
            flush=True,
        )
        while server.is_running():
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
