"""Shared fixtures: thin wrappers around ``tests/support`` (tests use real parts: the SDK,
moto, the temporal CLI, Chromium). The logic lives in plain modules so benchmarks and scripts
can reuse it.

- ``moto_s3`` (session) → ``MotoS3``: moto's S3 server on 127.0.0.1, fake AWS credentials
  in ``os.environ`` while it lives. ``with moto_s3.stopped(): ...`` for outages.
- ``s3_store`` (function) → ``S3Bucket``: a fresh, uniquely named bucket on ``moto_s3``, with
  its profile ``storage`` table, the SDK's driver and our store for it; ``s3_bucket`` is its
  name alone.
- ``gcs_emulator`` (session) → ``GcsEmulator``: ``gcp-storage-emulator`` on 127.0.0.1, its
  objects in a temp folder (kept across ``with gcs_emulator.stopped(): ...``).
- ``gcs_store`` (function) → ``GcsBucket``: a fresh bucket on it, with its profile ``storage``
  table, the SDK's GCS driver and our store for it.
- ``temporal_server`` (session) → ``TemporalDevServer``: ``temporal server start-dev``,
  headless, search attribute ``InspectorTag`` (Keyword) registered.
- ``temporal_cli`` (session) → ``Path`` of the ``temporal`` binary.
- ``make_temporal_server`` (function) → ``(**kwargs) -> TemporalDevServer``: starts an
  extra dev server (e.g. ``ui=True, ui_codec_endpoint=..., namespaces=[...]``), stopped at
  teardown.
- ``make_client`` (function) → ``ClientFactory``: ``await make_client(config, log=...)`` is an
  aiohttp test client over ``create_app(config)``, the server without a process.
- ``serve_workers`` (function, two params) → ``()`` then ``("--workers", "2")``: extra
  ``serve`` arguments, so a contract test runs against one process and two gunicorn workers.
- ``retry_runs`` (session) → ``RetryRuns``: two real runs of ``InspectorRetryWorkflow``
  (gzip codec), the first one's activity failing once and retried, exported by the CLI.
- ``paged_server`` (session) → ``TemporalDevServer`` with a few events a history page, and
  ``fs_history`` (session) → ``HistoryRun``: one run on it with gzip and the filesystem store
  (``tests/support/live.py``), for reading workflows from a server.
- ``real_history`` (session) → ``HistoryRun``: one real run of ``InspectorSampleWorkflow``
  with the gzip codec and the SDK's S3 driver (threshold 64 KiB) on ``moto_s3``, exported
  by the CLI to ``history.json``. Do not ``moto_s3.reset()`` while other tests still need
  its blobs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from inspector.config import Config

from tests.support.aio import run_sync
from tests.support.encoded_history_run import make_encoded_history
from tests.support.gcs import GcsBucket, GcsEmulator
from tests.support.history import HistoryRun, make_s3_gzip_history
from tests.support.http import ClientFactory
from tests.support.live import SERVER_OPTIONS, make_fs_gzip_history
from tests.support.retry_history import RetryRuns, make_retry_histories
from tests.support.s3 import MotoS3, S3Bucket, fresh_bucket
from tests.support.temporal_server import TemporalDevServer, temporal_cli_path

# Tests never need a real screen: any suite that makes a QApplication renders offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SESSION_SEARCH_ATTRIBUTES = {"InspectorTag": "Keyword"}


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3]:
    s3 = MotoS3()
    try:
        yield s3
    finally:
        s3.close()


@pytest.fixture
def s3_store(moto_s3: MotoS3) -> S3Bucket:
    return fresh_bucket(moto_s3)


@pytest.fixture
def s3_bucket(s3_store: S3Bucket) -> str:
    return s3_store.name


@pytest.fixture(scope="session")
def gcs_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GcsEmulator]:
    emulator = GcsEmulator(tmp_path_factory.mktemp("gcs"))
    try:
        yield emulator
    finally:
        emulator.close()


@pytest.fixture
def gcs_store(gcs_emulator: GcsEmulator) -> GcsBucket:
    gcs_emulator.start()  # an earlier test may have left it stopped
    return gcs_emulator.create_bucket()


@pytest.fixture(scope="session")
def temporal_cli() -> Path:
    return temporal_cli_path()


@pytest.fixture(scope="session")
def temporal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalDevServer]:
    server = TemporalDevServer(
        tmp_path_factory.mktemp("temporal-dev"), search_attributes=SESSION_SEARCH_ATTRIBUTES
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_temporal_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., TemporalDevServer]]:
    started: list[TemporalDevServer] = []

    def make(**kwargs: Any) -> TemporalDevServer:
        kwargs.setdefault("tmp_dir", tmp_path_factory.mktemp("temporal-extra"))
        server = TemporalDevServer(**kwargs)
        started.append(server)
        return server.start()

    try:
        yield make
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def make_client(aiohttp_client: Any) -> ClientFactory:
    from aiohttp.test_utils import TestClient

    from inspector.server import RequestLog, create_app

    async def make(config: Config, **kwargs: Any) -> TestClient:
        kwargs.setdefault("log", RequestLog())
        return await aiohttp_client(create_app(config, **kwargs))

    return make


@pytest.fixture(scope="session")
def real_history(
    moto_s3: MotoS3,
    temporal_server: TemporalDevServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> HistoryRun:
    bucket = fresh_bucket(moto_s3, "inspector-history")
    out = tmp_path_factory.mktemp("real-history")
    return run_sync(
        lambda: make_s3_gzip_history(temporal_server, bucket.endpoint_url, bucket.name, out),
        timeout=300,
    )


@pytest.fixture(scope="session")
def paged_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalDevServer]:
    server = TemporalDevServer(tmp_path_factory.mktemp("temporal-paged"), **SERVER_OPTIONS)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def fs_history(
    paged_server: TemporalDevServer, tmp_path_factory: pytest.TempPathFactory
) -> HistoryRun:
    out = tmp_path_factory.mktemp("fs-history")
    return run_sync(lambda: make_fs_gzip_history(paged_server, out), timeout=300)


@pytest.fixture(params=[1, 2], ids=["one-process", "two-workers"])
def serve_workers(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """``serve``'s extra arguments for one process, then for ``--workers 2`` (gunicorn): the
    contract tests run against both."""
    return () if request.param == 1 else ("--workers", "2")


@pytest.fixture(scope="session")
def encoded_failure_history(
    temporal_server: TemporalDevServer, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A real run whose worker encoded its header and its failures' attributes (gzip, and
    ``encode_common_attributes``), as the CLI exports it (``tests/support/encoded_history_run``)."""
    out = tmp_path_factory.mktemp("encoded-history")
    return run_sync(lambda: make_encoded_history(temporal_server, out), timeout=180)


@pytest.fixture(scope="session")
def retry_runs(
    temporal_server: TemporalDevServer, tmp_path_factory: pytest.TempPathFactory
) -> RetryRuns:
    """Two real runs of one order: the first charge declined once and retried, the second
    not (``tests/support/retry_history.py``)."""
    out = tmp_path_factory.mktemp("retry")
    return run_sync(lambda: make_retry_histories(temporal_server, out), timeout=300)


@pytest.fixture
def umask() -> Iterator[None]:
    """The test may set the process's umask (022 to begin with); the old one comes back."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)
