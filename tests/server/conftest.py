"""Fixtures for the server tests: an SDK converter (gzip + our filesystem wire format), the
matching config, and a test client over it (``make_client`` is in ``tests/conftest.py``)."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from temporalio.converter import DataConverter

from inspector.config import Config
from tests.support.config import Profiles, config_from, filesystem_storage, profile
from tests.support.history import sdk_converter
from tests.support.http import ClientFactory
from tests.support.sdk_codecs import SdkGzipCodec
from tests.support.sdk_storage import SdkFilesystemDriver

THRESHOLD = 1024


def random_text(size: int, seed: int = 1) -> str:
    """Text that gzip cannot shrink much, so it stays over the storage threshold."""
    rng = random.Random(seed)
    return "".join(rng.choices(string.ascii_letters + string.digits, k=size))


@pytest.fixture
def fs_store(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    store.mkdir()
    return store


@pytest.fixture
def sdk_gzip_fs(fs_store: Path) -> DataConverter:
    """The SDK's DataConverter as a worker would have it: gzip, our filesystem store."""
    return sdk_converter(SdkGzipCodec(), [SdkFilesystemDriver(fs_store)], THRESHOLD)


def gzip_fs_profiles(store: Path | str) -> Profiles:
    """The profile matching ``sdk_gzip_fs``: gzip, then our filesystem store at ``store``
    (a relative path is the config file's folder's)."""
    storage = filesystem_storage(store, threshold=THRESHOLD)
    return {"default": profile(["gzip"], namespaces=["default"], storage=storage)}


@pytest.fixture
def gzip_fs_config(tmp_path: Path, fs_store: Path) -> Config:
    return config_from(tmp_path, gzip_fs_profiles(fs_store))


@pytest.fixture
async def client(make_client: ClientFactory, gzip_fs_config: Config) -> TestClient:
    return await make_client(gzip_fs_config)
