"""Storage drivers and a codec that misbehave on purpose: the user code a real deployment
might load, for tests of how the inspector copes with it.

Tests use them directly or name them in a config as ``python`` factories
(``factory = "tests.support.drivers:NAME"``), which ``serve`` and the GUI import in their own
process; ``tests.support.cli.cli_env`` puts the repo on ``PYTHONPATH`` for that.

The fault drivers store like our filesystem store (same layout and claims, in the directory
named by ``$RELIABILITY_FAULT_STORE``) and fail on retrieval in their own ways. None of these
``type()`` names is one the pipeline trusts to check hashes itself, so it verifies what
they return.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    PayloadCodec,
    StorageDriver,
    StorageDriverClaim,
    StorageDriverRetrieveContext,
    StorageDriverStoreContext,
)

from inspector.storage.filesystem import FilesystemDriver
from tests.support.config import python_codec, python_storage

STALLING_DRIVER_NAME = "test.slow"
MODULE = "tests.support.drivers"
STORE_ENV = "RELIABILITY_FAULT_STORE"
DROP_URL_ENV = "RELIABILITY_DROP_URL"
SLOW_SECONDS = 120.0  # far beyond any profile's timeout_seconds in the tests


# -- drivers that need nothing but themselves ------------------------------------------------


class StallingDriver(StorageDriver):
    """Retrieves only after ``delay`` seconds (a minute unless told), counting its calls.

    Alone it stores claims only and never answers in time: a timeout (or Esc in the GUI)
    must cut it. Around an ``inner`` driver it is that driver, slowed down: for the cache
    and shared fetches.
    """

    def __init__(self, inner: StorageDriver | None = None, delay: float = 60.0) -> None:
        self.inner = inner
        self.delay = delay
        self.calls = 0

    def name(self) -> str:
        return self.inner.name() if self.inner is not None else STALLING_DRIVER_NAME

    def type(self) -> str:
        return "test.slow"

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        if self.inner is not None:
            return await self.inner.store(context, payloads)
        return [StorageDriverClaim(claim_data={"key": uuid.uuid4().hex}) for _ in payloads]

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.inner is None:
            raise AssertionError("unreachable: the pipeline's timeout cancels this")
        return await self.inner.retrieve(context, claims)


class HashlessDriver(StorageDriver):
    """A plugin driver that trusts whatever it reads (always ``blob``): the pipeline must
    check its claim's hash for it."""

    def __init__(self, blob: Payload) -> None:
        self.blob = blob

    def name(self) -> str:
        return "plugin"

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        raise NotImplementedError

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        return [self.blob]


# -- fault drivers over a real store ($RELIABILITY_FAULT_STORE) -------------------------------


class _FaultDriver(StorageDriver):
    """Stores for real, after ``store_delay`` seconds, and retrieves for real after
    ``retrieve_delay``; subclasses set those or break ``retrieve`` (or ``store``)."""

    fault = "none"
    store_delay = 0.0
    retrieve_delay = 0.0

    def __init__(self) -> None:
        self._store = FilesystemDriver(Path(os.environ[STORE_ENV]), name=self.name())

    def name(self) -> str:
        return f"fault.{self.fault}"

    def type(self) -> str:
        return f"fault.{self.fault}"

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        if self.store_delay:
            await asyncio.sleep(self.store_delay)
        return await self._store.store(context, payloads)

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        if self.retrieve_delay:
            await asyncio.sleep(self.retrieve_delay)
        return await self._real(claims)

    async def _real(self, claims: Sequence[StorageDriverClaim]) -> list[Payload]:
        return await self._store.retrieve(StorageDriverRetrieveContext(), claims)


class SlowDriver(_FaultDriver):
    """Answers after two minutes: the profile's ``timeout_seconds`` must cut it (504)."""

    fault = "slow"
    retrieve_delay = SLOW_SECONDS


class DelayedDriver(_FaultDriver):
    """Answers correctly after 1.5 s: a request in flight while the server reloads."""

    fault = "delayed"
    retrieve_delay = 1.5


class SlowStoreDriver(_FaultDriver):
    """Stores after two minutes: the profile's ``timeout_seconds`` must cut it (504)."""

    fault = "slow-store"
    store_delay = SLOW_SECONDS


class DroppingDriver(_FaultDriver):
    """Fetches the blob over HTTP (``$RELIABILITY_DROP_URL``) from a server that closes the
    connection mid-body."""

    fault = "drop"

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        url = os.environ[DROP_URL_ENV]
        result = []
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            for claim in claims:
                async with session.get(f"{url}/{claim.claim_data['key']}") as response:
                    result.append(Payload.FromString(await response.read()))
        return result


class _DamagingDriver(_FaultDriver):
    """Returns the real blob with its data damaged by ``damage``."""

    @staticmethod
    def damage(data: bytes) -> bytes:
        raise NotImplementedError

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        payloads = await self._real(claims)
        for payload in payloads:
            payload.data = self.damage(payload.data)
        return payloads


class TruncatingDriver(_DamagingDriver):
    """Returns the blob with the second half of its data missing."""

    fault = "truncated"

    @staticmethod
    def damage(data: bytes) -> bytes:
        return data[: len(data) // 2]


class TamperingDriver(_DamagingDriver):
    """Returns the blob with one bit of its data flipped."""

    fault = "tampered"

    @staticmethod
    def damage(data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 1])


class RaisingDriver(_FaultDriver):
    """A buggy driver: raises something no one planned for."""

    fault = "raising"

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        raise KeyError("internal driver state went missing")


class BrokenStoreDriver(_FaultDriver):
    """Cannot store at all: the disk behind it is full."""

    fault = "broken-store"

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        raise OSError(28, "No space left on device")


# -- a codec that raises ---------------------------------------------------------------------

RAISING_ENCODING = b"binary/raising"
REFUSE_METADATA = "refuse-me"  # a payload with this metadata key makes RaisingCodec.encode raise


class RaisingCodec(PayloadCodec):
    """Encodes by wrapping (unless told to refuse); decoding a wrapped payload raises, as a
    buggy user codec would."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        if any(REFUSE_METADATA in p.metadata for p in payloads):
            raise ValueError("the user's codec refuses this payload")
        return [
            Payload(metadata={"encoding": RAISING_ENCODING}, data=p.SerializeToString())
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        if any(p.metadata.get("encoding") == RAISING_ENCODING for p in payloads):
            raise ZeroDivisionError("the user's codec exploded: it divided by zero")
        return list(payloads)


def raising_codec() -> PayloadCodec:
    """The zero-argument factory form (``tests.support.drivers:raising_codec``), beside the
    class form (``tests.support.drivers:RaisingCodec``)."""
    return RaisingCodec()


# -- how a config names them -----------------------------------------------------------------


def stub_storage(driver: str, **keys: Any) -> dict[str, Any]:
    """A profile's ``storage`` table that loads the driver class ``driver`` of this module
    (``threshold``, ``timeout_seconds`` … as the test needs)."""
    return python_storage(f"{MODULE}:{driver}", **keys)


def stub_codec(name: str = "RaisingCodec") -> dict[str, str]:
    """A codec entry that loads ``name`` (a class or a zero-argument factory) of this module."""
    return python_codec(f"{MODULE}:{name}")
