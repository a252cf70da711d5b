"""The ``python`` codec: the user's own ``PayloadCodec``, named by ``module:attr``."""

from __future__ import annotations

from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from inspector.codecs.errors import CodecConfigError, CodecError
from inspector.plugins import load_factory


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
        return await self._delegate("encode", payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Delegate to the user's codec, naming it in any failure."""
        return await self._delegate("decode", payloads)

    async def _delegate(self, operation: str, payloads: Sequence[Payload]) -> list[Payload]:
        try:
            return list(await getattr(self.inner, operation)(payloads))
        except CodecError:
            raise
        except Exception as exc:
            message = f"{operation} failed: {type(exc).__name__}: {exc}"
            raise CodecError(message, self.name) from exc

    async def aclose(self) -> None:
        """Close the user's codec if it has an ``aclose`` (e.g. it holds an HTTP session)."""
        aclose = getattr(self.inner, "aclose", None)
        if aclose is not None:
            await aclose()


def load_python_codec(factory: str) -> PayloadCodec:
    """The codec ``module:attr`` names (see :func:`inspector.plugins.load_factory`), wrapped as a
    :class:`PluginCodec`; any way this goes wrong is a ``CodecConfigError`` naming ``factory``.
    """
    codec = load_factory(
        factory,
        expected=PayloadCodec,  # type: ignore[type-abstract]  # only isinstance() uses it
        what="python codec factory",
        expected_name="PayloadCodec",
        error=CodecConfigError,
    )
    return PluginCodec(codec, factory)
