"""Payload codecs: the ecosystem's formats (gzip, zlib, snappy, aes-gcm), codec servers, user
plugins.

Every codec is a ``temporalio.converter.PayloadCodec`` with a ``name`` for messages, so the
SDK can drive ours and we can drive the user's. ``RemoteCodec`` is imported when first named:
it brings aiohttp's client, which a ``decode`` without a remote codec never needs.
"""

from typing import TYPE_CHECKING, Any

from inspector.codecs.aesgcm import AesGcmCodec
from inspector.codecs.chain import CodecChain, codec_name
from inspector.codecs.cpu import CpuCodec, is_cpu_codec
from inspector.codecs.errors import CodecConfigError, CodecError
from inspector.codecs.gzip import GzipCodec
from inspector.codecs.plugin import PluginCodec, load_python_codec
from inspector.codecs.snappy import SnappyCodec
from inspector.codecs.zlib import ZlibCodec

if TYPE_CHECKING:
    from inspector.codecs.remote import RemoteCodec

__all__ = [
    "AesGcmCodec",
    "CodecChain",
    "CodecConfigError",
    "CodecError",
    "CpuCodec",
    "GzipCodec",
    "PluginCodec",
    "RemoteCodec",
    "SnappyCodec",
    "ZlibCodec",
    "codec_name",
    "is_cpu_codec",
    "load_python_codec",
]


def __getattr__(name: str) -> Any:
    if name == "RemoteCodec":
        from inspector.codecs.remote import RemoteCodec

        return RemoteCodec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
