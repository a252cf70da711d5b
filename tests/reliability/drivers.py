"""Faulty storage drivers and a codec that raises, loaded by ``serve`` as ``module:attr``.

Each driver stores like our filesystem store (same layout and claims, in the directory named
by ``$RELIABILITY_FAULT_STORE``) and fails on retrieval in its own way. Their ``type()`` is
not one the pipeline trusts to check hashes itself, so the pipeline verifies what they return.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path

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

STORE_ENV = "RELIABILITY_FAULT_STORE"
DROP_URL_ENV = "RELIABILITY_DROP_URL"
SLOW_SECONDS = 120.0  # far beyond any profile's timeout_seconds in the tests


class _FaultDriver(StorageDriver):
    """Stores for real; subclasses break ``retrieve``."""

    fault = "none"

    def __init__(self) -> None:
        self._store = FilesystemDriver(Path(os.environ[STORE_ENV]), name=self.name())

    def name(self) -> str:
        return f"fault.{self.fault}"

    def type(self) -> str:
        return f"fault.{self.fault}"

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        return await self._store.store(context, payloads)

    async def _real(self, claims: Sequence[StorageDriverClaim]) -> list[Payload]:
        return await self._store.retrieve(StorageDriverRetrieveContext(), claims)


class SlowDriver(_FaultDriver):
    """Answers after two minutes: the profile's ``timeout_seconds`` must cut it (504)."""

    fault = "slow"

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        await asyncio.sleep(SLOW_SECONDS)
        return await self._real(claims)


class DelayedDriver(_FaultDriver):
    """Answers correctly after 1.5 s: a request in flight while the server reloads."""

    fault = "delayed"

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        await asyncio.sleep(1.5)
        return await self._real(claims)


class DroppingDriver(_FaultDriver):
    """Fetches the blob over HTTP from a server that closes the connection mid-body."""

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


class TruncatingDriver(_FaultDriver):
    """Returns the blob with the second half of its data missing."""

    fault = "truncated"

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        payloads = await self._real(claims)
        for payload in payloads:
            payload.data = payload.data[: len(payload.data) // 2]
        return payloads


class TamperingDriver(_FaultDriver):
    """Returns the blob with one bit of its data flipped."""

    fault = "tampered"

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        payloads = await self._real(claims)
        for payload in payloads:
            payload.data = payload.data[:-1] + bytes([payload.data[-1] ^ 1])
        return payloads


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

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        return await self._real(claims)


class SlowStoreDriver(_FaultDriver):
    """Stores after two minutes: the profile's ``timeout_seconds`` must cut it (504)."""

    fault = "slow-store"

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        await asyncio.sleep(SLOW_SECONDS)
        return await super().store(context, payloads)

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        return await self._real(claims)


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
            raise ZeroDivisionError("the user's codec divided by zero")
        return list(payloads)
