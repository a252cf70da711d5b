"""The ``python`` codec: the user's own ``PayloadCodec``, named by ``module:attr``."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from inspector.codecs.errors import CodecConfigError, CodecError


class PluginCodec(PayloadCodec):
    """Wraps a user codec so it has a ``name`` and its failures become ``CodecError``.

    The pipeline then treats a plugin like a built-in codec: any exception the user's code
    raises on a payload is reported as a codec failure naming ``python(module:attr)``.
    """

    def __init__(self, inner: PayloadCodec, factory: str) -> None:
        self.inner = inner
        self.factory = factory
        self.name = f"python({factory})"

    def __repr__(self) -> str:
        return f"PluginCodec({self.factory!r})"

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Delegate to the user's codec, naming it in any failure."""
        try:
            return list(await self.inner.encode(payloads))
        except CodecError:
            raise
        except Exception as exc:
            raise CodecError(f"encode failed: {type(exc).__name__}: {exc}", self.name) from exc

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Delegate to the user's codec, naming it in any failure."""
        try:
            return list(await self.inner.decode(payloads))
        except CodecError:
            raise
        except Exception as exc:
            raise CodecError(f"decode failed: {type(exc).__name__}: {exc}", self.name) from exc

    async def aclose(self) -> None:
        """Close the user's codec if it has an ``aclose`` (e.g. it holds an HTTP session)."""
        aclose = getattr(self.inner, "aclose", None)
        if aclose is not None:
            await aclose()


def load_python_codec(factory: str) -> PayloadCodec:
    """Import ``module:attr`` and return its codec, wrapped as a :class:`PluginCodec`.

    ``attr`` (dots allowed, e.g. ``module:Class.instance``) is a ``PayloadCodec`` instance or a
    zero-argument callable returning one. Every way this can go wrong is a
    ``CodecConfigError`` naming ``factory``, so a bad profile fails at load, not per payload.
    """
    module_name, sep, attr_path = factory.partition(":")
    module_name, attr_path = module_name.strip(), attr_path.strip()
    if not sep or not module_name or not attr_path:
        raise CodecConfigError(f"python codec factory '{factory}' must look like 'module:attr'")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise CodecConfigError(
            f"python codec factory '{factory}': cannot import module '{module_name}' "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise CodecConfigError(
                f"python codec factory '{factory}': '{module_name}' has no attribute '{attr_path}'"
            ) from exc
    if isinstance(obj, PayloadCodec):
        return PluginCodec(obj, factory)
    if not callable(obj):
        raise CodecConfigError(
            f"python codec factory '{factory}' is a {type(obj).__name__}, "
            "not a PayloadCodec or a callable returning one"
        )
    try:
        codec = obj()
    except Exception as exc:
        raise CodecConfigError(
            f"python codec factory '{factory}': calling it failed ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(codec, PayloadCodec):
        raise CodecConfigError(
            f"python codec factory '{factory}' returned a {type(codec).__name__}, "
            "not a PayloadCodec"
        )
    return PluginCodec(codec, factory)
