"""Google Cloud Storage through the SDK's own driver, so object names and claims are exactly
what workers write (``temporalio.contrib.gcp.gcsdriver``, driver name ``gcp.gcsdriver``).

The client is ``gcloud-aio-storage`` on our aiohttp, opened on first use: credentials come
from the usual Google chain (``GOOGLE_APPLICATION_CREDENTIALS``, the gcloud CLI's application
default credentials, the metadata server); with ``endpoint_url`` (an emulator) none are sent.
As for S3, a claim may only name the profile's ``bucket`` or one of its ``buckets``
(``storage.buckets``), and the SDK driver's ``RuntimeError`` is told apart by its cause: a
404 is a missing object (422), anything else an unreachable store (502).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aiohttp
from temporalio.api.common.v1 import Payload
from temporalio.contrib.gcp.gcsdriver import GCSStorageDriver
from temporalio.converter import (
    StorageDriver,
    StorageDriverClaim,
    StorageDriverRetrieveContext,
    StorageDriverStoreContext,
)

from inspector.errors import first_line
from inspector.storage.buckets import allowed_buckets, check_claim
from inspector.storage.errors import (
    BadClaim,
    BlobMissing,
    IntegrityFailure,
    StorageError,
    StoreUnreachable,
)

DRIVER_TYPE = "gcp.gcsdriver"


class GcsStore(StorageDriver):
    """The SDK's ``GCSStorageDriver`` with a gcloud-aio client opened on first use."""

    def __init__(
        self,
        *,
        name: str,
        bucket: str,
        buckets: Sequence[str] = (),
        endpoint_url: str | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        self._name = name
        self.bucket = bucket
        self.allowed_buckets = allowed_buckets(bucket, buckets)
        self.endpoint_url = endpoint_url.rstrip("/") if endpoint_url else None
        self.timeout_seconds = timeout_seconds
        self._driver: GCSStorageDriver | None = None
        self._session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()

    def name(self) -> str:
        return self._name

    def type(self) -> str:
        return DRIVER_TYPE

    async def _sdk_driver(self) -> GCSStorageDriver:
        async with self._lock:
            if self._driver is None:
                # imported late: only GCS needs them
                from gcloud.aio.storage import Storage
                from temporalio.contrib.gcp.gcsdriver.gcloud_aio import new_gcloud_aio_client

                timeout = aiohttp.ClientTimeout(
                    total=self.timeout_seconds, connect=min(self.timeout_seconds, 10)
                )
                self._session = aiohttp.ClientSession(timeout=timeout)
                # Its stub names the requests Session of its sync twin (gcloud-rest).
                client = Storage(
                    session=self._session,  # type: ignore[arg-type]
                    api_root=self.endpoint_url,
                )
                self._driver = GCSStorageDriver(
                    new_gcloud_aio_client(client), self.bucket, driver_name=self._name
                )
            return self._driver

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        driver = await self._sdk_driver()
        try:
            return await driver.store(context, payloads)
        except RuntimeError as e:
            raise self._classify(e, None) from None

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        for claim in claims:
            check_claim(
                self._name, claim, self.allowed_buckets, store="GCS", key_field="object_name"
            )
        driver = await self._sdk_driver()
        key = claims[0].claim_data.get("object_name") if claims else None
        try:
            return await driver.retrieve(context, claims)
        except RuntimeError as e:
            raise self._classify(e, key) from None
        except ValueError as e:
            if "integrity check failed" in str(e):
                raise IntegrityFailure(
                    self._name,
                    key,
                    "integrity check failed: the object's sha256 does not match the claim",
                ) from None
            raise BadClaim(self._name, key, first_line(e)) from None

    def _classify(self, error: RuntimeError, key: str | None) -> StorageError:
        cause = error.__cause__
        if isinstance(cause, aiohttp.ClientResponseError):
            if cause.status == 404:
                return BlobMissing(self._name, key, f"object not found in bucket {self.bucket}")
            return StoreUnreachable(self._name, key, f"GCS refused the request ({cause.status})")
        if isinstance(cause, asyncio.TimeoutError):
            return StoreUnreachable(self._name, key, "GCS did not answer in time")
        reason = first_line(cause) if cause else first_line(error)
        return StoreUnreachable(self._name, key, f"GCS unreachable: {reason}")

    async def aclose(self) -> None:
        """Close the client's session; the next call opens a new one."""
        async with self._lock:
            if self._session is not None:
                await self._session.close()
            self._session = None
            self._driver = None
