"""Fixtures for the server tests: an SDK converter (gzip + our filesystem wire format) and
the matching config, and a factory for aiohttp test clients over ``create_app``."""

from __future__ import annotations

import random
import string
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from temporalio.converter import DataConverter

from inspector.config import Config
from inspector.server import RequestLog, create_app
from tests.server.helpers import config_from, toml_path
from tests.support.history import sdk_converter
from tests.support.sdk_codecs import SdkGzipCodec
from tests.support.sdk_storage import SdkFilesystemDriver

THRESHOLD = 1024

ClientFactory = Callable[..., Awaitable[TestClient]]


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


def gzip_fs_toml(store: Path, *, server: str = "", extra: str = "") -> str:
    return f"""
[server]
{server}

[profiles.default]
namespaces = ["default"]
codecs = ["gzip"]
[profiles.default.storage]
driver = "filesystem"
path = {toml_path(store)}
threshold = {THRESHOLD}

{extra}
"""


@pytest.fixture
def gzip_fs_config(tmp_path: Path, fs_store: Path) -> Config:
    return config_from(tmp_path, gzip_fs_toml(fs_store))


@pytest.fixture
def make_client(aiohttp_client: Any) -> ClientFactory:
    """``await make_client(config, extra_origins=..., log=...)`` → a test client."""

    async def make(config: Config, **kwargs: Any) -> TestClient:
        kwargs.setdefault("log", RequestLog())
        return await aiohttp_client(create_app(config, **kwargs))

    return make


@pytest.fixture
async def client(make_client: ClientFactory, gzip_fs_config: Config) -> TestClient:
    return await make_client(gzip_fs_config)
