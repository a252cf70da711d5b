"""Shared fixtures: thin wrappers around ``tests/support`` (tests use real parts: the SDK,
moto, the temporal CLI, Chromium). The logic lives in plain modules so benchmarks and scripts
can reuse it.

- ``moto_s3`` (session) → ``MotoS3``: moto's S3 server on 127.0.0.1, fake AWS credentials
  in ``os.environ`` while it lives. ``with moto_s3.stopped(): ...`` for outages.
- ``s3_bucket`` (function) → ``str``: a fresh, uniquely named bucket on ``moto_s3``.
- ``temporal_server`` (session) → ``TemporalDevServer``: ``temporal server start-dev``,
  headless, search attribute ``InspectorTag`` (Keyword) registered.
- ``temporal_cli`` (session) → ``Path`` of the ``temporal`` binary.
- ``make_temporal_server`` (function) → ``(**kwargs) -> TemporalDevServer``: starts an
  extra dev server (e.g. ``ui=True, ui_codec_endpoint=..., namespaces=[...]``), stopped at
  teardown.
- ``real_history`` (session) → ``HistoryRun``: one real run of ``InspectorSampleWorkflow``
  with the gzip codec and the SDK's S3 driver (threshold 64 KiB) on ``moto_s3``, exported
  by the CLI to ``history.json``. Do not ``moto_s3.reset()`` while other tests still need
  its blobs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.aio import run_sync
from tests.support.history import HistoryRun, make_s3_gzip_history
from tests.support.s3 import MotoS3, unique_bucket_name
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
def s3_bucket(moto_s3: MotoS3) -> str:
    if not moto_s3.running:  # an earlier test stopped S3 and did not bring it back
        moto_s3.start()
    return moto_s3.create_bucket()


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


@pytest.fixture(scope="session")
def real_history(
    moto_s3: MotoS3,
    temporal_server: TemporalDevServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> HistoryRun:
    if not moto_s3.running:
        moto_s3.start()
    bucket = moto_s3.create_bucket(unique_bucket_name("inspector-history"))
    out = tmp_path_factory.mktemp("real-history")
    return run_sync(
        lambda: make_s3_gzip_history(temporal_server, moto_s3.endpoint_url, bucket, out),
        timeout=300,
    )


@pytest.fixture
def umask() -> Iterator[None]:
    """The test may set the process's umask (022 to begin with); the old one comes back."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)
