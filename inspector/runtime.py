"""Turn a configured profile into a runnable Pipeline (codec objects, drivers, cache).

Which kinds exist, and which function below builds each, is ``inspector.config.kinds``. The
remote codec and the S3 driver are imported by their builders: aiohttp's client and boto
cost ``decode`` a third of a second to import, and most profiles use neither.
"""

from __future__ import annotations

from collections.abc import Sequence

from temporalio.converter import PayloadCodec, StorageDriver

from inspector.codecs import (
    AesGcmCodec,
    CodecChain,
    CodecConfigError,
    GzipCodec,
    SnappyCodec,
    ZlibCodec,
    load_python_codec,
)
from inspector.config import (
    CodecSpec,
    ConfigError,
    Profile,
    StorageSpec,
    codec_kind,
    driver_kind,
)
from inspector.limits import DEFAULT_MAX_DECODED_BYTES
from inspector.pipeline import Pipeline
from inspector.storage.cache import BlobCache
from inspector.storage.filesystem import FilesystemDriver
from inspector.storage.gcs import GcsStore
from inspector.storage.plugin import DriverConfigError, load_python_driver

REMOTE_TIMEOUT = 30.0


def build_codec(spec: CodecSpec, *, namespace: str | None = None) -> PayloadCodec:
    """One configured codec as an SDK ``PayloadCodec``."""
    codec: PayloadCodec = codec_kind(spec.type).build(spec, namespace=namespace)
    return codec


def build_chain(
    specs: Sequence[CodecSpec], *, namespace: str | None = None
) -> tuple[PayloadCodec | None, str]:
    """A chain (outermost first) and its label for messages, or None when empty."""
    if not specs:
        return None, ""
    codecs = [build_codec(s, namespace=namespace) for s in specs]
    label = " → ".join(s.label for s in specs)
    return (codecs[0] if len(codecs) == 1 else CodecChain(codecs)), label


def build_driver(spec: StorageSpec) -> StorageDriver:
    """One configured storage driver."""
    driver: StorageDriver = driver_kind(spec.driver).build(spec)
    return driver


def build_pipeline(
    profile: Profile,
    *,
    cache: BlobCache | None = None,
    namespace: str | None = None,
    max_decoded_bytes: int | None = DEFAULT_MAX_DECODED_BYTES,
) -> Pipeline:
    """The profile's pipeline; raises ConfigError when a codec or driver cannot be built.

    ``max_decoded_bytes`` bounds what one operation (a request, a document) may decode in all;
    None leaves only the per-payload bound.
    """
    try:
        codec, codec_label = build_chain(profile.codecs, namespace=namespace)
        proxy, proxy_label = build_chain(profile.proxy_codecs, namespace=namespace)
        drivers = [build_driver(s) for s in profile.storage]
    except (CodecConfigError, DriverConfigError) as e:
        raise ConfigError(f"profile '{profile.name}': {e}") from None
    pairs = zip(drivers, profile.storage, strict=True)
    timeouts = {d.name(): s.timeout_seconds for d, s in pairs}
    return Pipeline(
        name=profile.name,
        codec=codec,
        codec_label=codec_label,
        proxy_codec=proxy,
        proxy_label=proxy_label,
        drivers=drivers,
        timeouts=timeouts,
        threshold=profile.threshold,
        mark_references=profile.mark_references,
        cache=cache,
        max_decoded_bytes=max_decoded_bytes,
        encode_headers=profile.encode_headers,
    )


# --- one builder per kind, named by the registry ---------------------------------------------


def gzip_codec(spec: CodecSpec, *, namespace: str | None) -> PayloadCodec:
    return GzipCodec()


def zlib_codec(spec: CodecSpec, *, namespace: str | None) -> PayloadCodec:
    return ZlibCodec()


def snappy_codec(spec: CodecSpec, *, namespace: str | None) -> PayloadCodec:
    return SnappyCodec()


def aes_gcm_codec(spec: CodecSpec, *, namespace: str | None) -> PayloadCodec:
    return AesGcmCodec(dict(spec.keys), encrypt_with=spec.encrypt_with)


def remote_codec(spec: CodecSpec, *, namespace: str | None) -> PayloadCodec:
    from inspector.codecs.remote import RemoteCodec

    assert spec.url is not None
    return RemoteCodec(spec.url, auth=spec.auth, namespace=namespace, timeout=REMOTE_TIMEOUT)


def python_codec(spec: CodecSpec, *, namespace: str | None) -> PayloadCodec:
    assert spec.factory is not None
    return load_python_codec(spec.factory)


def filesystem_driver(spec: StorageSpec) -> StorageDriver:
    assert spec.path is not None
    return FilesystemDriver(spec.path, name=spec.name)


def s3_driver(spec: StorageSpec) -> StorageDriver:
    """The S3 driver's options are its kind's keys, as the config names them."""
    from inspector.storage.s3 import S3Store

    assert spec.bucket is not None
    options = {key: getattr(spec, key) for key in driver_kind("s3").keys}
    return S3Store(name=spec.name, timeout_seconds=spec.timeout_seconds, **options)


def gcs_driver(spec: StorageSpec) -> StorageDriver:
    """The GCS driver's options are its kind's keys, as the config names them."""
    assert spec.bucket is not None
    options = {key: getattr(spec, key) for key in driver_kind("gcs").keys}
    return GcsStore(name=spec.name, timeout_seconds=spec.timeout_seconds, **options)


def python_driver(spec: StorageSpec) -> StorageDriver:
    assert spec.factory is not None
    return load_python_driver(spec.factory, name=spec.name)
