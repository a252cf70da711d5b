"""A storage driver that never answers in time: for cancelling work with Esc."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    StorageDriver,
    StorageDriverClaim,
    StorageDriverRetrieveContext,
    StorageDriverStoreContext,
)

NAME = "slow.driver"


class SlowDriver(StorageDriver):
    def name(self) -> str:
        return NAME

    def type(self) -> str:
        return "tests.slow"

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        raise NotImplementedError

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        await asyncio.sleep(60)
        raise TimeoutError("never")
