"""A Google Cloud Storage emulator on a loopback port, and the SDK's GCS driver pointed at it.

``gcp-storage-emulator`` (from PyPI) serves the JSON API that ``gcloud-aio-storage`` speaks,
in a thread of this process, on 127.0.0.1 only. Its objects live in a data folder, so
stopping and starting it again (``stopped()``, for outages) keeps them, like moto. It answers
HTTP/1.0, one connection per request: once stopped, clients see connection refused. With
an ``api_root`` the gcloud client sends no credentials, so nothing reaches Google.
"""

from __future__ import annotations

import contextlib
import json
import logging
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from gcp_storage_emulator.server import create_server

from tests.support.ports import LOOPBACK, free_port

if TYPE_CHECKING:
    from temporalio.contrib.gcp.gcsdriver import GCSStorageDriver

    from inspector.storage.gcs import GcsStore

logging.getLogger("gcp_storage_emulator").setLevel(logging.WARNING)


class GcsEmulator:
    """The emulator on a free loopback port; ``close()`` stops it."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.endpoint_url = f"http://{LOOPBACK}:{self.port}"
        self._server: Any = None
        self.start()

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        if self._server is None:
            server = create_server(
                LOOPBACK, self.port, in_memory=False, data_dir=str(self.data_dir)
            )
            server.start()
            self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @contextlib.contextmanager
    def stopped(self) -> Iterator[GcsEmulator]:
        """GCS is down inside, and up again afterwards even when the body fails."""
        self.stop()
        try:
            yield self
        finally:
            self.start()

    def close(self) -> None:
        self.stop()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.endpoint_url}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data else {},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def create_bucket(self, name: str | None = None) -> GcsBucket:
        name = name or f"inspector-{uuid.uuid4().hex[:12]}"
        self._call("POST", "/storage/v1/b?project=test", {"name": name})
        return GcsBucket(self, name)

    def object_names(self, bucket: str) -> list[str]:
        listed = self._call("GET", f"/storage/v1/b/{bucket}/o")
        return sorted(item["name"] for item in (listed or {}).get("items", []))

    def delete_object(self, bucket: str, name: str) -> None:
        self._call("DELETE", f"/storage/v1/b/{bucket}/o/{quote(name, safe='')}")


@dataclass(frozen=True)
class GcsBucket:
    """A bucket of its own on the emulator, and each way a test reaches it."""

    emulator: GcsEmulator
    name: str

    def storage(self, **keys: Any) -> dict[str, Any]:
        """The profile's ``storage`` table for this bucket."""
        return {
            "driver": "gcs",
            "bucket": self.name,
            "endpoint_url": self.emulator.endpoint_url,
            **keys,
        }

    @contextlib.asynccontextmanager
    async def sdk_driver(self) -> AsyncIterator[GCSStorageDriver]:
        """The SDK's own driver on the gcloud-aio client, as a worker has it."""
        from gcloud.aio.storage import Storage
        from temporalio.contrib.gcp.gcsdriver import GCSStorageDriver
        from temporalio.contrib.gcp.gcsdriver.gcloud_aio import new_gcloud_aio_client

        async with Storage(api_root=self.emulator.endpoint_url) as client:
            yield GCSStorageDriver(new_gcloud_aio_client(client), self.name)

    def inspector_store(self, **kwargs: Any) -> GcsStore:
        from inspector.storage.gcs import GcsStore

        return GcsStore(
            name="gcp.gcsdriver",
            bucket=self.name,
            endpoint_url=self.emulator.endpoint_url,
            **kwargs,
        )

    def object_names(self) -> list[str]:
        return self.emulator.object_names(self.name)

    def delete(self, name: str) -> None:
        self.emulator.delete_object(self.name, name)
