"""S3 through the SDK's own driver, so keys and claims are exactly what workers write.

The SDK driver wraps every failure in a ``RuntimeError``; we look at its ``__cause__`` to
tell a missing object (422) from an unreachable store (502), and to say which of the
commonest 502s it is: no credentials, refused credentials, access denied, or no connection.

A claim may only name the profile's ``bucket`` or one of its ``buckets``
(``storage.buckets``); anything else is refused before any S3 call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any

from botocore.config import Config as BotoConfig
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)
from temporalio.api.common.v1 import Payload
from temporalio.contrib.aws.s3driver import S3StorageDriver
from temporalio.contrib.aws.s3driver.aioboto3 import new_aioboto3_client
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

_MISSING_CODES = {"NoSuchKey", "404", "NotFound", "NoSuchBucket"}
# S3 answered, and did not take our credentials or our right to read.
_CREDENTIAL_CODES = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
    "AuthorizationHeaderMalformed",
}
_DENIED_CODES = {"AccessDenied", "AllAccessDisabled", "Forbidden", "403"}
_NO_CREDENTIALS = (
    "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, name an "
    "aws_profile in the profile's storage, or sign in (aws sso login)"
)


class S3Store(StorageDriver):
    """The SDK's ``S3StorageDriver`` with an aioboto3 client opened on first use."""

    def __init__(
        self,
        *,
        name: str,
        bucket: str,
        buckets: Sequence[str] = (),
        endpoint_url: str | None = None,
        region: str | None = None,
        aws_profile: str | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        self._name = name
        self.bucket = bucket
        self.allowed_buckets = allowed_buckets(bucket, buckets)
        self.endpoint_url = endpoint_url
        self.region = region
        self.aws_profile = aws_profile
        self.timeout_seconds = timeout_seconds
        self._driver: S3StorageDriver | None = None
        self._stack: AsyncExitStack | None = None
        self._lock = asyncio.Lock()

    def name(self) -> str:
        return self._name

    def type(self) -> str:
        return "aws.s3driver"

    async def _sdk_driver(self) -> S3StorageDriver:
        async with self._lock:
            if self._driver is None:
                import aioboto3  # imported late: it is slow to import and only S3 needs it

                session = aioboto3.Session(profile_name=self.aws_profile)
                boto_config = BotoConfig(
                    connect_timeout=min(self.timeout_seconds, 10),
                    read_timeout=self.timeout_seconds,
                    retries={"max_attempts": 2, "mode": "standard"},
                )
                stack = AsyncExitStack()
                client: Any = await stack.enter_async_context(
                    session.client(
                        "s3",
                        endpoint_url=self.endpoint_url,
                        region_name=self.region,
                        config=boto_config,
                    )
                )
                self._stack = stack
                self._driver = S3StorageDriver(
                    new_aioboto3_client(client), self.bucket, driver_name=self._name
                )
            return self._driver

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        try:
            driver = await self._sdk_driver()
            return await driver.store(context, payloads)
        except (RuntimeError, BotoCoreError) as e:
            raise self._classify(e, None) from None

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        for claim in claims:
            check_claim(self._name, claim, self.allowed_buckets, store="S3", key_field="key")
        try:
            driver = await self._sdk_driver()
            return await driver.retrieve(context, claims)
        except (RuntimeError, BotoCoreError) as e:
            raise self._classify(e, claims[0].claim_data.get("key")) from None
        except ValueError as e:
            key = claims[0].claim_data.get("key")
            if "integrity check failed" in str(e):
                raise IntegrityFailure(
                    self._name,
                    key,
                    "integrity check failed: the object's sha256 does not match the claim",
                ) from None
            raise BadClaim(self._name, key, first_line(e)) from None

    def _classify(self, error: Exception, key: str | None) -> StorageError:
        """The failure as the user must act on it: missing, credentials, access, network."""
        cause = error.__cause__ if isinstance(error, RuntimeError) and error.__cause__ else error
        if isinstance(cause, ClientError):
            code = str(cause.response.get("Error", {}).get("Code", ""))
            if code in _MISSING_CODES:
                what = "bucket" if code == "NoSuchBucket" else "object"
                return BlobMissing(self._name, key, f"{what} not found in bucket {self.bucket}")
            if code in _CREDENTIAL_CODES:
                reason = (
                    f"S3 refused the credentials ({code}): they are wrong or expired; renew "
                    "them (aws sso login) or fix the storage's aws_profile"
                )
            elif code in _DENIED_CODES:
                reason = (
                    f"S3 denied access to bucket {self.bucket} ({code}): these credentials "
                    "may not read it (s3:GetObject)"
                )
            else:
                reason = f"S3 refused the request ({code})"
            return StoreUnreachable(self._name, key, reason)
        if isinstance(cause, NoCredentialsError | PartialCredentialsError):
            return StoreUnreachable(self._name, key, _NO_CREDENTIALS)
        if isinstance(cause, ProfileNotFound):
            return StoreUnreachable(
                self._name,
                key,
                f"AWS profile '{self.aws_profile}' is not in the AWS config files: fix the "
                "storage's aws_profile, or add the profile (aws configure --profile NAME)",
            )
        if isinstance(cause, NoRegionError):
            return StoreUnreachable(
                self._name, key, "no AWS region: set region in the storage table, or AWS_REGION"
            )
        reason = first_line(cause)
        if isinstance(cause, EndpointConnectionError):
            where = self.endpoint_url or "S3"
            return StoreUnreachable(
                self._name, key, f"S3 unreachable: no connection to {where}: {reason}"
            )
        return StoreUnreachable(self._name, key, f"S3 unreachable: {reason}")

    async def aclose(self) -> None:
        """Close the client; the next call opens a new one."""
        async with self._lock:
            if self._stack is not None:
                await self._stack.aclose()
            self._stack = None
            self._driver = None
