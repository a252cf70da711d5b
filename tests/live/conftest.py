"""Fixtures for reading workflows from a server: ``paged_server`` (module) is a dev server
with ``PAGE_SIZE`` events a history page; ``fs_history`` (module) one real run on it with
gzip and the filesystem store (``tests/support/live.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.aio import run_sync
from tests.support.history import HistoryRun
from tests.support.live import SERVER_OPTIONS, make_fs_gzip_history
from tests.support.temporal_server import TemporalDevServer


@pytest.fixture(scope="module")
def paged_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalDevServer]:
    server = TemporalDevServer(tmp_path_factory.mktemp("temporal-paged"), **SERVER_OPTIONS)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def fs_history(
    paged_server: TemporalDevServer, tmp_path_factory: pytest.TempPathFactory
) -> HistoryRun:
    out = tmp_path_factory.mktemp("fs-history")
    return run_sync(lambda: make_fs_gzip_history(paged_server, out), timeout=300)
