"""moto's S3 server on a loopback port, and the SDK's S3 driver pointed at it.

Facts about moto (5.2) that fault tests rely on, checked by ``tests/unit/test_support_smoke.py``:

- ``ThreadedMotoServer`` runs in a thread of *this* process and keeps its data in moto's
  process-global backends. **Stopping and starting again keeps every bucket and object**
  (a restart does not lose state). Two ``MotoS3`` instances in one process therefore
  share the same buckets; use unique bucket names (``create_bucket()`` without a name).
- To simulate lost data, delete the objects (``delete_object``) or wipe everything with
  ``reset()`` — which also wipes other tests' buckets (e.g. the session ``real_history``
  blobs), so prefer ``snapshot()``/``restore()`` around it.
- Upstream ``ThreadedMotoServer.stop()`` leaves HTTP/1.1 keep-alive connections served by
  their handler threads, so a pooled client connection could still get answers from a
  "stopped" server, and ``start()`` waits forever when the port cannot be bound. ``MotoS3``
  fixes both: ``stop()`` shuts down live connections (clients then see a connection error,
  not a hang), and ``start()`` fails within ``timeout`` seconds.
- While a ``MotoS3`` is open, ``os.environ`` carries fake credentials
  (``AWS_ACCESS_KEY_ID=testing`` …, ``AWS_DEFAULT_REGION=us-east-1``) and no AWS profile,
  endpoint or config file, so nothing reaches a real AWS account; ``close()`` restores it.
  Subprocesses started meanwhile (the CLI under test) inherit those variables.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import botocore.config
import urllib3
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from tests.support.ports import LOOPBACK, free_port

if TYPE_CHECKING:
    from inspector.storage.s3 import S3Store

REGION = "us-east-1"

FAKE_AWS_ENV: dict[str, str | None] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    # Never read a developer's real AWS configuration.
    "AWS_PROFILE": None,
    "AWS_DEFAULT_PROFILE": None,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_ENDPOINT_URL": None,
    "AWS_ENDPOINT_URL_S3": None,
    "AWS_EC2_METADATA_DISABLED": "true",
}


class _MotoServer(ThreadedMotoServer):
    """``ThreadedMotoServer`` with a bounded start, a start error that is reported, and a
    stop that also closes live keep-alive connections."""

    def __init__(self, ip_address: str, port: int) -> None:
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self._startup_error: BaseException | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        connections, lock = self._connections, self._lock

        class _Handler(MotoRequestHandler):
            def setup(self) -> None:
                super().setup()
                with lock:
                    connections.add(self.connection)

            def finish(self) -> None:
                try:
                    super().finish()
                finally:
                    with lock:
                        connections.discard(self.connection)

        self._handler_cls = _Handler

    def _server_entry(self) -> None:
        try:
            app = DomainDispatcherApplication(create_backend_app)
            server = make_server(
                self._ip_address, self._port, app, True, request_handler=self._handler_cls
            )
        except SystemExit:  # werkzeug prints "Address already in use" and exits
            self._startup_error = OSError(
                errno.EADDRINUSE, f"cannot bind moto S3 to {self._ip_address}:{self._port}"
            )
            self._server_ready_event.set()
            return
        except BaseException as exc:
            self._startup_error = exc
            self._server_ready_event.set()
            return
        self._server = server
        self._server_ready_event.set()
        server.serve_forever(poll_interval=0.1)

    def start_bounded(self, timeout: float) -> None:
        self._startup_error = None
        self._server = None
        self._server_ready_event.clear()
        self._thread = threading.Thread(
            target=self._server_entry, name=f"moto-s3-{self._port}", daemon=True
        )
        self._thread.start()
        if not self._server_ready_event.wait(timeout):
            raise TimeoutError(f"moto S3 did not start on {self._ip_address}:{self._port}")
        if self._startup_error is not None:
            self._thread.join(timeout)
            raise self._startup_error

    def stop_bounded(self, timeout: float) -> None:
        self._server_ready_event.clear()
        server = self._server
        if server is not None:
            server.shutdown()  # returns once serve_forever has left its loop
        with self._lock:
            live = list(self._connections)
        for conn in live:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = None


class MotoS3:
    """moto's S3 server on ``127.0.0.1:<port>``; started on construction.

    ``stop()`` and ``start()`` toggle it on the same port (state is kept, see the module
    docstring); ``close()`` stops it for good and restores ``os.environ``.
    """

    def __init__(self, port: int | None = None, *, start_timeout: float = 10.0) -> None:
        self.host = LOOPBACK
        self.port = port if port is not None else free_port()
        self.endpoint_url = f"http://{self.host}:{self.port}"
        self._start_timeout = start_timeout
        self._server = _MotoServer(self.host, self.port)
        self._saved_env: dict[str, str | None] | None = None
        self._client: Any = None
        self._running = False
        self._closed = False
        # werkzeug logs every request at INFO on stderr unless its logger says otherwise.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._set_env()
        try:
            self.start()
        except BaseException:
            self._restore_env()
            raise

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        """Start (again) on the same port. Buckets and objects from before are still there.

        Binding can race with a port still held by the OS right after a stop; that is
        retried briefly before giving up."""
        if self._closed:
            raise RuntimeError("MotoS3 is closed")
        if self._running:
            return
        deadline = time.monotonic() + self._start_timeout
        while True:
            try:
                self._server.start_bounded(max(0.1, deadline - time.monotonic()))
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)  # sync code: start() is not async
        self._running = True

    def stop(self) -> None:
        """Stop serving: new connections are refused, pooled ones are cut."""
        if not self._running:
            return
        self._server.stop_bounded(self._start_timeout)
        self._running = False

    @contextlib.contextmanager
    def stopped(self) -> Iterator[MotoS3]:
        """``with moto_s3.stopped(): ...`` — S3 is down inside, and up again afterwards
        even when the body fails (the server is shared by the whole session)."""
        self.stop()
        try:
            yield self
        finally:
            self.start()

    def close(self) -> None:
        if self._closed:
            return
        self.stop()
        self._closed = True
        self._client = None
        self._restore_env()

    def __enter__(self) -> MotoS3:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- environment -------------------------------------------------------------------

    def _set_env(self) -> None:
        self._saved_env = {key: os.environ.get(key) for key in FAKE_AWS_ENV}
        _apply_env(FAKE_AWS_ENV)

    def _restore_env(self) -> None:
        if self._saved_env is not None:
            _apply_env(self._saved_env)
            self._saved_env = None

    # -- data helpers (synchronous boto3; fine to call from async tests) -----------------

    def client(self) -> Any:
        """A boto3 S3 client for this server (one retry attempt, short timeouts)."""
        if self._client is None:
            self._client = boto3.client(
                "s3",
                endpoint_url=self.endpoint_url,
                region_name=REGION,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=botocore.config.Config(
                    retries={"max_attempts": 1, "mode": "standard"},
                    connect_timeout=5,
                    read_timeout=30,
                ),
            )
        return self._client

    def create_bucket(self, name: str | None = None) -> str:
        """Create a bucket (a fresh unique name when ``name`` is None); return its name."""
        name = name or unique_bucket_name()
        self.client().create_bucket(Bucket=name)
        return name

    def put_object(self, bucket: str, key: str, data: bytes) -> None:
        self.client().put_object(Bucket=bucket, Key=key, Body=data)

    def get_object(self, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def delete_object(self, bucket: str, key: str) -> None:
        self.client().delete_object(Bucket=bucket, Key=key)

    def list_keys(self, bucket: str, prefix: str = "") -> list[str]:
        keys: list[str] = []
        paginator = self.client().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return keys

    def list_buckets(self) -> list[str]:
        return [b["Name"] for b in self.client().list_buckets().get("Buckets", [])]

    def snapshot(self, buckets: list[str] | None = None) -> dict[str, dict[str, bytes]]:
        """Every object of ``buckets`` (default: all), as ``{bucket: {key: bytes}}``."""
        names = buckets if buckets is not None else self.list_buckets()
        return {
            bucket: {key: self.get_object(bucket, key) for key in self.list_keys(bucket)}
            for bucket in names
        }

    def restore(self, snapshot: dict[str, dict[str, bytes]]) -> None:
        """Re-create the buckets and objects of a ``snapshot()``."""
        existing = set(self.list_buckets())
        for bucket, objects in snapshot.items():
            if bucket not in existing:
                self.create_bucket(bucket)
            for key, data in objects.items():
                self.put_object(bucket, key, data)

    def reset(self) -> None:
        """Wipe ALL moto state in this process (every bucket of every test)."""
        http = urllib3.PoolManager()
        response = http.request("POST", f"{self.endpoint_url}/moto-api/reset", timeout=10.0)
        if response.status != 200:
            raise RuntimeError(f"moto reset failed: HTTP {response.status}")


def unique_bucket_name(prefix: str = "inspector") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@dataclass(frozen=True)
class S3Bucket:
    """A bucket of its own on the shared moto, and each way a test reaches it: a profile's
    ``storage`` table, the SDK's driver (how workers wrote it) and our own store.

    One place says how an S3 store is set up, so the tests that use one differ only in what
    they do with it.
    """

    moto: MotoS3
    name: str

    @property
    def endpoint_url(self) -> str:
        """Where moto answers (the SDK's driver and our store go straight there)."""
        return self.moto.endpoint_url

    def storage(self, *, endpoint_url: str | None = None, **keys: Any) -> dict[str, Any]:
        """The profile's ``storage`` table for this bucket (``endpoint_url`` for a proxy or
        relay in front of moto; ``threshold``, ``timeout_seconds`` … as the test needs)."""
        from tests.support.config import s3_storage

        return s3_storage(self.name, endpoint_url or self.endpoint_url, **keys)

    def sdk_driver(self, **kwargs: Any) -> AbstractAsyncContextManager[Any]:
        """``sdk_s3_driver`` for this bucket: the SDK's own driver, as a worker has it."""
        return sdk_s3_driver(self.endpoint_url, self.name, **kwargs)

    def inspector_store(self, *, endpoint_url: str | None = None, **kwargs: Any) -> S3Store:
        """Our ``S3Store`` on this bucket under the SDK driver's name (``aclose`` it)."""
        from inspector.storage.s3 import S3Store

        return S3Store(
            name="aws.s3driver",
            bucket=self.name,
            endpoint_url=endpoint_url or self.endpoint_url,
            region=REGION,
            **kwargs,
        )

    def keys(self, prefix: str = "") -> list[str]:
        """The object keys in the bucket now (to see what a worker or the server wrote)."""
        return self.moto.list_keys(self.name, prefix)

    def delete(self, key: str) -> None:
        """Lose one object, as a lifecycle rule or an operator would."""
        self.moto.delete_object(self.name, key)


def fresh_bucket(moto: MotoS3, prefix: str = "inspector") -> S3Bucket:
    """A new bucket on ``moto``, started again first if an earlier test left it stopped."""
    if not moto.running:
        moto.start()
    return S3Bucket(moto, moto.create_bucket(unique_bucket_name(prefix)))


def _apply_env(values: dict[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@contextlib.asynccontextmanager
async def sdk_s3_driver(
    endpoint_url: str,
    bucket: str,
    driver_name: str = "aws.s3driver",
    *,
    region: str = REGION,
    max_attempts: int | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
) -> AsyncIterator[Any]:
    """The SDK's own ``S3StorageDriver`` over an aioboto3 client for ``endpoint_url``.

    The aioboto3 client belongs to the running event loop: use the driver inside this
    block only. ``max_attempts``/timeouts tune botocore (fault tests: ``max_attempts=1``
    makes a stopped server fail fast instead of retrying with back-off).
    """
    import aioboto3
    from temporalio.contrib.aws.s3driver import S3StorageDriver
    from temporalio.contrib.aws.s3driver.aioboto3 import new_aioboto3_client

    config_kwargs: dict[str, Any] = {}
    if max_attempts is not None:
        config_kwargs["retries"] = {"max_attempts": max_attempts, "mode": "standard"}
    if connect_timeout is not None:
        config_kwargs["connect_timeout"] = connect_timeout
    if read_timeout is not None:
        config_kwargs["read_timeout"] = read_timeout
    config = botocore.config.Config(**config_kwargs) if config_kwargs else None

    session = aioboto3.Session()
    async with session.client(
        "s3", endpoint_url=endpoint_url, region_name=region, config=config
    ) as client:
        yield S3StorageDriver(
            client=new_aioboto3_client(client), bucket=bucket, driver_name=driver_name
        )
