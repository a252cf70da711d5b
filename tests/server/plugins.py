"""User code the server loads by ``module:attr`` in fault tests: a codec that raises and a
storage driver slower than any sane timeout."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    PayloadCodec,
    StorageDriver,
    StorageDriverClaim,
    StorageDriverRetrieveContext,
    StorageDriverStoreContext,
)

SLOW_DRIVER_NAME = "test.slow"
EXPLODING_ENCODING = b"binary/exploding"


class ExplodingCodec(PayloadCodec):
    """Decoding any ``binary/exploding`` payload raises, as a buggy user codec would."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(metadata={"encoding": EXPLODING_ENCODING}, data=p.SerializeToString())
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        for p in payloads:
            if p.metadata.get("encoding") == EXPLODING_ENCODING:
                raise RuntimeError("the test codec exploded on purpose")
        return list(payloads)


def exploding_codec() -> PayloadCodec:
    """The zero-argument factory form (``tests.server.plugins:exploding_codec``)."""
    return ExplodingCodec()


class SlowDriver(StorageDriver):
    """Stores instantly (claims only); retrieving takes a minute, far beyond any timeout."""

    delay = 60.0

    def name(self) -> str:
        return SLOW_DRIVER_NAME

    def type(self) -> str:
        return "test.slow"

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        return [StorageDriverClaim(claim_data={"key": uuid.uuid4().hex}) for _ in payloads]

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        await asyncio.sleep(self.delay)
        raise AssertionError("unreachable: the pipeline's timeout cancels this")
