"""Every codec kind and storage driver kind a config may name, in one place.

The validator takes its names and keys from here, ``inspector.runtime`` builds through
:meth:`Kind.build`, and the README's table of kinds is this registry (a test compares them).
A builder is named ``module:attr`` and imported on first use, so reading a config imports
no codec or storage code.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from inspector.config.errors import ConfigError

FILESYSTEM_DRIVER_NAME = "local.filesystem"
S3_DRIVER_NAME = "aws.s3driver"
GCS_DRIVER_NAME = "gcp.gcsdriver"
CODEC_KEYS = ("type",)  # what every codec table may hold besides its kind's keys
DRIVER_KEYS = ("driver", "name", "threshold", "timeout_seconds")  # and every storage table


@dataclass(frozen=True)
class Kind:
    """One kind as a config names it, the keys it accepts besides the common ones, what it is
    (Markdown, as the README's table shows it), and ``builder``: the ``module:attr`` of the
    function that makes it from its spec."""

    name: str
    keys: tuple[str, ...]
    description: str
    builder: str
    label_key: str | None = None  # the spec field a codec's label shows: ``remote(URL)``
    sees_namespace: bool = False  # a codec sent the namespace: its pipeline is per namespace
    default_name: str = ""  # a driver's name when the config gives none ("": the driver's own)

    def build(self, spec: Any, **options: Any) -> Any:
        """The codec or driver ``spec`` configures (the builder is imported now)."""
        module, _, attr = self.builder.partition(":")
        return getattr(importlib.import_module(module), attr)(spec, **options)

    def label(self, spec: Any) -> str:
        """How errors and the GUI name a configured codec (no secrets)."""
        if self.label_key is None:
            return self.name
        return f"{self.name}({getattr(spec, self.label_key)})"


def _by_name(*kinds: Kind) -> Mapping[str, Kind]:
    return {kind.name: kind for kind in kinds}


CODEC_KINDS: Mapping[str, Kind] = _by_name(
    Kind(
        "gzip",
        (),
        "`binary/gzip`: the whole inner payload gzipped, as temporalio's Python samples write it",
        "inspector.runtime:gzip_codec",
    ),
    Kind(
        "zlib",
        (),
        "`binary/zlib`: the Go SDK's zlib codec (`converter.NewZlibCodec`)",
        "inspector.runtime:zlib_codec",
    ),
    Kind(
        "snappy",
        (),
        "`binary/snappy`: the snappy block format of the serialized inner payload, as Go's "
        "`snappy.Encode` writes it (the Go samples' `snappycompress`)",
        "inspector.runtime:snappy_codec",
    ),
    Kind(
        "aes-gcm",
        ("keys", "encrypt_with"),
        "`binary/encrypted`: AES-GCM, keys by id for rotation (base64 of 16, 24 or 32 bytes, "
        "given as `env:VAR` or `file:PATH`); `encrypt_with` names the key to encode with",
        "inspector.runtime:aes_gcm_codec",
    ),
    Kind(
        "remote",
        ("url", "auth"),
        "an existing codec server at `url`, sent the namespace; `auth` is sent as `Authorization`",
        "inspector.runtime:remote_codec",
        label_key="url",
        sees_namespace=True,
    ),
    Kind(
        "python",
        ("factory",),
        "your own `PayloadCodec`, or a zero-argument callable returning one: "
        '`factory = "module:attr"` (or `module:Class.attr`)',
        "inspector.runtime:python_codec",
        label_key="factory",
    ),
)

DRIVER_KINDS: Mapping[str, Kind] = _by_name(
    Kind(
        "filesystem",
        ("path",),
        "blobs at `<path>/sha256/<2 hex>/<hex>`; claims carry the hash",
        "inspector.runtime:filesystem_driver",
        default_name=FILESYSTEM_DRIVER_NAME,
    ),
    Kind(
        "s3",
        ("bucket", "buckets", "endpoint_url", "region", "aws_profile"),
        "the Temporal SDK's own S3 driver; a claim may name only `bucket` or one of `buckets`",
        "inspector.runtime:s3_driver",
        default_name=S3_DRIVER_NAME,
    ),
    Kind(
        "gcs",
        ("bucket", "buckets", "endpoint_url"),
        "the Temporal SDK's own Google Cloud Storage driver; credentials from the usual Google "
        "chain (none sent to an `endpoint_url` emulator); a claim may name only `bucket` or one "
        "of `buckets`",
        "inspector.runtime:gcs_driver",
        default_name=GCS_DRIVER_NAME,
    ),
    Kind(
        "python",
        ("factory",),
        "your own `StorageDriver`, or a zero-argument callable returning one: "
        '`factory = "module:attr"` (or `module:Class.attr`)',
        "inspector.runtime:python_driver",
    ),
)

CODEC_TYPES = tuple(CODEC_KINDS)
DRIVER_TYPES = tuple(DRIVER_KINDS)


def codec_kind(name: str) -> Kind:
    """The codec kind called ``name``; ``ConfigError`` for one the registry does not know."""
    return _known(CODEC_KINDS, name, "codec")


def driver_kind(name: str) -> Kind:
    """The driver kind called ``name``; ``ConfigError`` for one the registry does not know."""
    return _known(DRIVER_KINDS, name, "driver")


def _known(kinds: Mapping[str, Kind], name: str, what: str) -> Kind:
    if name not in kinds:
        raise ConfigError(f"unknown {what} type {name!r}")
    return kinds[name]
