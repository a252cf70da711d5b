"""The e2e stack's shape: its two namespaces and profiles, the serve config, the worker runs.

Kept apart from ``conftest.py`` so test modules can import these names directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support.config import aes_gcm_codec, filesystem_storage, profile, write_config
from tests.support.history import (
    HistoryRun,
    make_real_history,
    make_s3_gzip_history,
    sdk_converter,
)
from tests.support.s3 import MotoS3, S3Bucket
from tests.support.sdk_codecs import SdkAesGcmCodec
from tests.support.sdk_storage import SdkFilesystemDriver
from tests.support.serve import ServeProcess
from tests.support.temporal_server import TemporalDevServer

VAULT_NAMESPACE = "e2e-vault"
AES_KEY_ID = "e2e-key-2026"
AES_KEY_ENV = "INSPECTOR_E2E_AES_KEY"
THRESHOLD = 64 * 1024
# Large enough to be stored externally after gzip (~93 KB) and aes-gcm (~204 KB), small
# enough to keep the browser's Download quick.
LARGE_BYTES = 200_000


@dataclass
class E2ENamespace:
    """One namespace of the stack: how its workers encode, and the run they wrote."""

    name: str
    profile: str
    encoding: str  # what the codec writes: binary/gzip, binary/encrypted
    driver_name: str
    run: HistoryRun

    @property
    def stored_event_id(self) -> int:
        """Event ID of the Activity Task Completed whose result went to storage."""
        pointer = self.run.large_result_pointer()  # /events/<i>/activityTask…/result/…
        index = int(pointer.split("/")[2])
        return int(self.run.history["events"][index]["eventId"])


@dataclass
class WebUIStack:
    moto: MotoS3
    serve: ServeProcess
    dev: TemporalDevServer
    namespaces: dict[str, E2ENamespace]

    @property
    def ui_url(self) -> str:
        assert self.dev.ui_url is not None
        return self.dev.ui_url

    @property
    def codec_url(self) -> str:
        return self.serve.url


def stack_config(directory: Path, bucket: S3Bucket, store: Path) -> Path:
    """The serve config: ``orders`` (gzip + S3) and ``vault`` (aes-gcm + our store)."""
    vault_codec = aes_gcm_codec({AES_KEY_ID: f"env:{AES_KEY_ENV}"})
    profiles = {
        "orders": profile(
            ["gzip"],
            namespaces=["default"],
            storage=bucket.storage(threshold=THRESHOLD, timeout_seconds=10),
        ),
        "vault": profile(
            [vault_codec],
            namespaces=[VAULT_NAMESPACE],
            storage=filesystem_storage(store.as_posix(), threshold=THRESHOLD),
        ),
    }
    # cache_bytes = 0: every Download reaches storage, so an outage shows (the cache is
    # covered by the server's own tests).
    return write_config(directory, profiles, {"cache_bytes": 0})


async def run_workflows(
    dev: TemporalDevServer, bucket: S3Bucket, key: bytes, store: Path, tmp: Path
) -> tuple[HistoryRun, HistoryRun]:
    orders = await make_s3_gzip_history(
        dev,
        bucket.endpoint_url,
        bucket.name,
        tmp / "orders",
        threshold=THRESHOLD,
        large_bytes=LARGE_BYTES,
    )
    vault_converter = sdk_converter(
        SdkAesGcmCodec(AES_KEY_ID, key), [SdkFilesystemDriver(store)], THRESHOLD
    )
    vault = await make_real_history(
        dev, tmp / "vault", vault_converter, namespace=VAULT_NAMESPACE, large_bytes=LARGE_BYTES
    )
    return orders, vault
