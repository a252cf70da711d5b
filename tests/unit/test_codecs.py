"""Codecs: round trips with real SDK payloads, byte formats of the ecosystem, and failures."""

from __future__ import annotations

import asyncio
import gzip
import os
import socket
import uuid
import zlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import DataConverter, PayloadCodec

from inspector.codecs import (
    AesGcmCodec,
    CodecChain,
    CodecConfigError,
    CodecError,
    GzipCodec,
    PluginCodec,
    RemoteCodec,
    ZlibCodec,
    load_python_codec,
)

VALUES: list[Any] = ["héllo", {"a": 1}, None, b"\x00\x01", "", "日本語 ✓ 🙂", "x" * 5000]
KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 116))


@pytest.fixture
def payloads() -> list[Payload]:
    return DataConverter.default.payload_converter.to_payloads(VALUES)


def _values(decoded: Sequence[Payload]) -> list[Any]:
    return DataConverter.default.payload_converter.from_payloads(list(decoded))


def _all_codecs() -> list[PayloadCodec]:
    return [
        GzipCodec(),
        ZlibCodec(),
        ZlibCodec(always_encode=True),
        AesGcmCodec({"a": KEY_A}),
        AesGcmCodec({"b": KEY_B}),
        CodecChain([AesGcmCodec({"a": KEY_A}), GzipCodec()]),
        CodecChain([GzipCodec(), ZlibCodec(always_encode=True)]),
        CodecChain([]),
    ]


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("codec", _all_codecs(), ids=lambda c: getattr(c, "name", "?"))
async def test_round_trip_gives_back_the_exact_payloads(
    codec: PayloadCodec, payloads: list[Payload]
) -> None:
    encoded = await codec.encode(payloads)
    assert len(encoded) == len(payloads)
    decoded = await codec.decode(encoded)
    assert decoded == payloads
    assert _values(decoded) == VALUES


@pytest.mark.parametrize("codec", _all_codecs(), ids=lambda c: getattr(c, "name", "?"))
async def test_empty_list_and_empty_payload(codec: PayloadCodec) -> None:
    assert await codec.encode([]) == []
    assert await codec.decode([]) == []
    empty = Payload()
    assert await codec.decode(await codec.encode([empty])) == [empty]


@pytest.mark.parametrize(
    "codec",
    [GzipCodec(), ZlibCodec(always_encode=True), AesGcmCodec({"a": KEY_A})],
    ids=lambda c: c.name,
)
async def test_decode_passes_foreign_encodings_through_unchanged(
    codec: PayloadCodec, payloads: list[Payload]
) -> None:
    foreign = Payload(metadata={"encoding": b"binary/snappy"}, data=b"\xff\xfe")
    decoded = await codec.decode([*payloads, foreign])
    assert decoded == [*payloads, foreign]


async def test_encode_does_not_mutate_its_input(payloads: list[Payload]) -> None:
    before = [p.SerializeToString() for p in payloads]
    await CodecChain([AesGcmCodec({"a": KEY_A}), GzipCodec(), ZlibCodec()]).encode(payloads)
    assert [p.SerializeToString() for p in payloads] == before


# --- byte formats ----------------------------------------------------------------------------


async def test_gzip_format_is_gzip_of_the_serialized_payload(payloads: list[Payload]) -> None:
    encoded = await GzipCodec().encode(payloads)
    for original, p in zip(payloads, encoded, strict=True):
        assert dict(p.metadata) == {"encoding": b"binary/gzip"}
        assert Payload.FromString(gzip.decompress(p.data)) == original


async def test_gzip_is_deterministic(payloads: list[Payload]) -> None:
    assert await GzipCodec().encode(payloads) == await GzipCodec().encode(payloads)


async def test_gzip_decodes_what_the_samples_codec_writes(payloads: list[Payload]) -> None:
    # samples-python's codec uses plain gzip.compress (with a timestamp): we must read it.
    written = [
        Payload(metadata={"encoding": b"binary/gzip"}, data=gzip.compress(p.SerializeToString()))
        for p in payloads
    ]
    assert await GzipCodec().decode(written) == payloads


async def test_zlib_format_is_zlib_of_the_serialized_payload(payloads: list[Payload]) -> None:
    encoded = await ZlibCodec(always_encode=True).encode(payloads)
    for original, p in zip(payloads, encoded, strict=True):
        assert dict(p.metadata) == {"encoding": b"binary/zlib"}
        assert Payload.FromString(zlib.decompress(p.data)) == original


async def test_zlib_keeps_the_original_when_compression_does_not_shrink_it() -> None:
    # Go's zlibCodec.Encode: use the compressed form only if strictly smaller, unless
    # AlwaysEncode.
    small = DataConverter.default.payload_converter.to_payloads([None])[0]
    big = DataConverter.default.payload_converter.to_payloads(["x" * 5000])[0]
    random_data = Payload(metadata={"encoding": b"binary/plain"}, data=os.urandom(2000))
    encoded = await ZlibCodec().encode([small, big, random_data])
    assert encoded[0] == small
    assert encoded[1].metadata["encoding"] == b"binary/zlib"
    assert encoded[2] == random_data
    forced = await ZlibCodec(always_encode=True).encode([small, random_data])
    assert all(p.metadata["encoding"] == b"binary/zlib" for p in forced)
    assert await ZlibCodec().decode(forced) == [small, random_data]


async def test_aes_gcm_format_is_nonce_then_aes_gcm_of_the_serialized_payload(
    payloads: list[Payload],
) -> None:
    encoded = await AesGcmCodec({"key-2026": KEY_A}).encode(payloads)
    for original, p in zip(payloads, encoded, strict=True):
        assert dict(p.metadata) == {
            "encoding": b"binary/encrypted",
            "encryption-key-id": b"key-2026",
        }
        plain = AESGCM(KEY_A).decrypt(p.data[:12], p.data[12:], None)
        assert Payload.FromString(plain) == original
    # Random nonces: the same input never encrypts to the same bytes.
    assert len({p.data for p in await AesGcmCodec({"k": KEY_A}).encode([payloads[0]] * 5)}) == 5


async def test_aes_gcm_decodes_what_the_samples_codec_writes(payloads: list[Payload]) -> None:
    def sample_encrypt(data: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + AESGCM(KEY_A).encrypt(nonce, data, None)

    written = [
        Payload(
            metadata={"encoding": b"binary/encrypted", "encryption-key-id": b"test-key-id"},
            data=sample_encrypt(p.SerializeToString()),
        )
        for p in payloads
    ]
    assert await AesGcmCodec({"test-key-id": KEY_A}).decode(written) == payloads


@pytest.mark.parametrize("size", [16, 24, 32])
async def test_aes_gcm_accepts_all_aes_key_sizes(size: int, payloads: list[Payload]) -> None:
    codec = AesGcmCodec({"k": os.urandom(size)})
    assert await codec.decode(await codec.encode(payloads)) == payloads


# --- aes-gcm keys and failures ---------------------------------------------------------------


async def test_key_rotation_old_key_still_decodes(payloads: list[Payload]) -> None:
    old = await AesGcmCodec({"a": KEY_A}).encode(payloads)
    rotated = AesGcmCodec({"a": KEY_A, "b": KEY_B}, encrypt_with="b")
    new = await rotated.encode(payloads)
    assert {p.metadata["encryption-key-id"] for p in new} == {b"b"}
    assert await rotated.decode(old) == payloads
    assert await rotated.decode(new) == payloads
    assert await rotated.decode([old[0], new[1]]) == payloads[:2]


def test_encrypt_with_defaults_to_the_first_key() -> None:
    assert AesGcmCodec({"b": KEY_B, "a": KEY_A}).encrypt_with == "b"


async def test_unknown_key_id(payloads: list[Payload]) -> None:
    encoded = await AesGcmCodec({"x": KEY_A}).encode(payloads[:1])
    with pytest.raises(CodecError) as info:
        await AesGcmCodec({"a": KEY_A, "b": KEY_B}).decode(encoded)
    assert str(info.value) == "unknown encryption key id 'x' (known: a, b)"
    assert info.value.codec == "aes-gcm"


async def test_missing_key_id_metadata(payloads: list[Payload]) -> None:
    (encoded,) = await AesGcmCodec({"a": KEY_A}).encode(payloads[:1])
    del encoded.metadata["encryption-key-id"]
    with pytest.raises(CodecError, match="no 'encryption-key-id' metadata"):
        await AesGcmCodec({"a": KEY_A}).decode([encoded])


async def test_wrong_key_under_the_right_id(payloads: list[Payload]) -> None:
    encoded = await AesGcmCodec({"a": KEY_A}).encode(payloads[:1])
    with pytest.raises(CodecError) as info:
        await AesGcmCodec({"a": bytes(32)}).decode(encoded)
    assert str(info.value) == "decryption failed with key 'a' (wrong key or tampered data)"


@pytest.mark.parametrize("position", [0, 12, -1])  # nonce, ciphertext, tag
async def test_tampered_data_fails_authentication(position: int, payloads: list[Payload]) -> None:
    codec = AesGcmCodec({"a": KEY_A})
    (encoded,) = await codec.encode(payloads[:1])
    data = bytearray(encoded.data)
    data[position] ^= 0x01
    encoded.data = bytes(data)
    with pytest.raises(CodecError, match="decryption failed with key 'a'"):
        await codec.decode([encoded])


async def test_truncated_encrypted_data() -> None:
    bad = Payload(
        metadata={"encoding": b"binary/encrypted", "encryption-key-id": b"a"}, data=b"short"
    )
    with pytest.raises(CodecError, match="too short"):
        await AesGcmCodec({"a": KEY_A}).decode([bad])


@pytest.mark.parametrize(
    ("keys", "encrypt_with", "match"),
    [
        ({}, None, "at least one key"),
        ({"a": b"too short"}, None, "16, 24 or 32 bytes, got 9"),
        ({"a": "not bytes"}, None, "must be bytes"),
        ({"a": KEY_A}, "b", "encrypt_with 'b' is not one of the keys"),
    ],
)
def test_aes_gcm_config_errors(keys: Any, encrypt_with: str | None, match: str) -> None:
    with pytest.raises(CodecConfigError, match=match):
        AesGcmCodec(keys, encrypt_with)


async def test_key_bytes_never_appear_in_repr_or_errors(payloads: list[Payload]) -> None:
    key = b"K" * 32
    codec = AesGcmCodec({"a": key})
    for text in (repr(codec), str(codec), repr(vars(codec))):
        assert "KKKK" not in text
    assert repr(codec) == "AesGcmCodec(key_ids=['a'], encrypt_with='a')"
    encoded = await AesGcmCodec({"a": KEY_A}).encode(payloads[:1])
    with pytest.raises(CodecError) as info:
        await codec.decode(encoded)
    assert "KKKK" not in str(info.value) and "KKKK" not in repr(info.value)
    with pytest.raises(CodecConfigError) as config_info:
        AesGcmCodec({"a": b"S3CRET-KEY"})
    assert "S3CRET" not in str(config_info.value)


# --- corrupt compressed data -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "encoding", "data", "match"),
    [
        (GzipCodec(), b"binary/gzip", b"not gzip at all", "not valid gzip"),
        (GzipCodec(), b"binary/gzip", gzip.compress(b"\xff\xff\xff"), "not a serialized Payload"),
        (GzipCodec(), b"binary/gzip", gzip.compress(b"abc")[:-6], "not valid gzip"),
        (ZlibCodec(), b"binary/zlib", b"not zlib at all", "not valid zlib"),
        (ZlibCodec(), b"binary/zlib", zlib.compress(b"\xff\xff\xff"), "not a serialized Payload"),
    ],
)
async def test_corrupt_compressed_data_is_a_codec_error(
    codec: PayloadCodec, encoding: bytes, data: bytes, match: str
) -> None:
    with pytest.raises(CodecError, match=match) as info:
        await codec.decode([Payload(metadata={"encoding": encoding}, data=data)])
    assert info.value.codec == codec.name  # type: ignore[attr-defined]


# --- chain -----------------------------------------------------------------------------------


async def test_chain_is_outermost_first(payloads: list[Payload]) -> None:
    chain = CodecChain([AesGcmCodec({"a": KEY_A}), GzipCodec()])
    encoded = await chain.encode(payloads)
    assert all(p.metadata["encoding"] == b"binary/encrypted" for p in encoded)
    inner = await AesGcmCodec({"a": KEY_A}).decode(encoded)
    assert all(p.metadata["encoding"] == b"binary/gzip" for p in inner)
    assert await GzipCodec().decode(inner) == payloads
    assert await chain.decode(encoded) == payloads
    assert chain.name == "chain(aes-gcm, gzip)"
    assert len(chain.codecs) == 2


async def test_chain_matches_nested_manual_application(payloads: list[Payload]) -> None:
    zlib_codec, gzip_codec = ZlibCodec(always_encode=True), GzipCodec()
    manual = await zlib_codec.encode(await gzip_codec.encode(payloads))
    assert await CodecChain([zlib_codec, gzip_codec]).encode(payloads) == manual


class _Broken(PayloadCodec):
    """A user codec with a bug, to see failures named by the chain and the plugin wrapper."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        raise KeyError("oops")

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        raise RuntimeError("bad decode")


async def test_chain_names_the_codec_that_failed(payloads: list[Payload]) -> None:
    chain = CodecChain([GzipCodec(), _Broken()])
    with pytest.raises(CodecError) as info:
        await chain.encode(payloads)
    assert info.value.codec == "_Broken"
    assert "KeyError" in str(info.value)
    with pytest.raises(CodecError) as info:
        await CodecChain([AesGcmCodec({"a": KEY_A})]).decode(
            await AesGcmCodec({"z": KEY_A}).encode(payloads)
        )
    assert info.value.codec == "aes-gcm"


@dataclass
class _Closable(PayloadCodec):
    closed: list[str] = field(default_factory=list)
    label: str = "c"
    fail: bool = False

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def aclose(self) -> None:
        self.closed.append(self.label)
        if self.fail:
            raise RuntimeError("close failed")


async def test_chain_aclose_closes_every_closable_codec() -> None:
    log: list[str] = []
    chain = CodecChain(
        [_Closable(log, "1", fail=True), GzipCodec(), _Closable(log, "2"), ZlibCodec()]
    )
    with pytest.raises(RuntimeError, match="close failed"):
        await chain.aclose()
    assert log == ["1", "2"]
    await CodecChain([GzipCodec()]).aclose()


# --- the SDK drives our codecs ---------------------------------------------------------------


@pytest.mark.parametrize(
    "codec",
    [
        GzipCodec(),
        ZlibCodec(),
        AesGcmCodec({"a": KEY_A}),
        CodecChain([AesGcmCodec({"a": KEY_A}), GzipCodec()]),
    ],
    ids=lambda c: c.name,
)
async def test_sdk_data_converter_round_trip(codec: PayloadCodec) -> None:
    converter = DataConverter(payload_codec=codec)
    encoded = await converter.encode(VALUES)
    assert await converter.decode(encoded) == VALUES
    # And our codec alone undoes exactly what the SDK's converter did.
    plain = await codec.decode(encoded)
    assert plain == DataConverter.default.payload_converter.to_payloads(VALUES)


async def test_sdk_gzip_encodes_as_binary_gzip() -> None:
    encoded = await DataConverter(payload_codec=GzipCodec()).encode(["héllo"])
    assert encoded[0].metadata["encoding"] == b"binary/gzip"


# --- python plugin ---------------------------------------------------------------------------

PLUGIN_SOURCE = """
from inspector.codecs import GzipCodec

INSTANCE = GzipCodec()
NOT_A_CODEC = "hello"


class Holder:
    codec = GzipCodec()


def make():
    return GzipCodec()


def make_wrong():
    return 42


def make_raises():
    raise RuntimeError("boom")


def needs_arg(x):
    return GzipCodec()
"""


@pytest.fixture
def plugin_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"codec_plugin_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text(PLUGIN_SOURCE)
    (tmp_path / f"{name}_broken.py").write_text("import no_such_module_for_inspector_tests\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


@pytest.mark.parametrize("attr", ["INSTANCE", "make", "GzipCodec", "Holder.codec"])
async def test_plugin_loads_instance_or_factory(
    attr: str, plugin_module: str, payloads: list[Payload]
) -> None:
    factory = f"{plugin_module}:{attr}"
    codec = load_python_codec(factory)
    assert isinstance(codec, PluginCodec)
    assert codec.name == f"python({factory})"
    encoded = await codec.encode(payloads)
    assert encoded == await GzipCodec().encode(payloads)
    assert await codec.decode(encoded) == payloads


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        ("no_colon_here", "must look like 'module:attr'"),
        (":attr", "must look like 'module:attr'"),
        ("module:", "must look like 'module:attr'"),
        ("{mod}_missing_module:make", "cannot import module"),
        ("{mod}_broken:make", "cannot import module .*no_such_module_for_inspector_tests"),
        ("{mod}:nope", "has no attribute 'nope'"),
        ("{mod}:Holder.nope", "has no attribute 'Holder.nope'"),
        ("{mod}:NOT_A_CODEC", "is a str, not a PayloadCodec"),
        ("{mod}:make_wrong", "returned a int, not a PayloadCodec"),
        ("{mod}:make_raises", "calling it failed .*RuntimeError: boom"),
        ("{mod}:needs_arg", "calling it failed .*TypeError"),
    ],
)
def test_plugin_errors_name_the_factory(factory: str, match: str, plugin_module: str) -> None:
    factory = factory.format(mod=plugin_module)
    with pytest.raises(CodecConfigError, match=match) as info:
        load_python_codec(factory)
    assert f"'{factory}'" in str(info.value)


async def test_plugin_failures_become_codec_errors(payloads: list[Payload]) -> None:
    codec = PluginCodec(_Broken(), "mod:broken")
    with pytest.raises(CodecError, match="decode failed: RuntimeError: bad decode") as info:
        await codec.decode(payloads)
    assert info.value.codec == "python(mod:broken)"


async def test_plugin_aclose_delegates() -> None:
    log: list[str] = []
    await PluginCodec(_Closable(log), "m:a").aclose()
    await PluginCodec(GzipCodec(), "m:b").aclose()
    assert log == ["c"]


# --- remote codec server ---------------------------------------------------------------------


@dataclass
class CodecServer:
    """A tiny codec server applying gzip, recording what it was sent."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_with: tuple[int, str] | None = None
    delay: float = 0.0


@pytest.fixture
async def codec_server() -> AsyncIterator[CodecServer]:
    gzip_codec = GzipCodec()
    state = CodecServer(url="")

    async def handle(request: web.Request) -> web.Response:
        state.requests.append(
            {"path": request.path, "headers": dict(request.headers), "body": await request.text()}
        )
        if state.delay:
            await asyncio.sleep(state.delay)
        if state.fail_with:
            status, text = state.fail_with
            return web.Response(status=status, text=text)
        payloads = json_format.Parse(await request.text(), Payloads()).payloads
        if request.path.endswith("/encode"):
            result = await gzip_codec.encode(payloads)
        else:
            result = await gzip_codec.decode(payloads)
        return web.Response(
            text=json_format.MessageToJson(Payloads(payloads=result)),
            content_type="application/json",
        )

    app = web.Application()
    app.router.add_post("/codec/encode", handle)
    app.router.add_post("/codec/decode", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    state.url = str(server.make_url("/codec"))
    try:
        yield state
    finally:
        await server.close()


async def test_remote_round_trip_through_a_codec_server(
    codec_server: CodecServer, payloads: list[Payload]
) -> None:
    codec = RemoteCodec(codec_server.url + "/", auth="Bearer s3cret", namespace="payments")
    try:
        encoded = await codec.encode(payloads)
        assert encoded == await GzipCodec().encode(payloads)
        assert await codec.decode(encoded) == payloads
    finally:
        await codec.aclose()
    assert [r["path"] for r in codec_server.requests] == ["/codec/encode", "/codec/decode"]
    for request in codec_server.requests:
        assert request["headers"]["Authorization"] == "Bearer s3cret"
        assert request["headers"]["X-Namespace"] == "payments"
        assert request["headers"]["Content-Type"] == "application/json"
        json_format.Parse(request["body"], Payloads())  # proto JSON on the wire


async def test_remote_without_auth_or_namespace_sends_neither(
    codec_server: CodecServer, payloads: list[Payload]
) -> None:
    codec = RemoteCodec(codec_server.url)
    try:
        await codec.decode(payloads)
    finally:
        await codec.aclose()
    headers = codec_server.requests[0]["headers"]
    assert "Authorization" not in headers and "X-Namespace" not in headers


async def test_remote_reuses_one_session_and_reopens_after_aclose(
    codec_server: CodecServer, payloads: list[Payload]
) -> None:
    codec = RemoteCodec(codec_server.url)
    await codec.encode(payloads)
    session = codec._session
    await codec.encode(payloads)
    assert codec._session is session
    await codec.aclose()
    assert session is not None and session.closed
    await codec.encode(payloads)
    await codec.aclose()
    await codec.aclose()  # idempotent


async def test_remote_empty_list_makes_no_request(codec_server: CodecServer) -> None:
    codec = RemoteCodec(codec_server.url)
    assert await codec.decode([]) == []
    assert codec_server.requests == []


async def test_remote_non_200_is_a_codec_error(
    codec_server: CodecServer, payloads: list[Payload]
) -> None:
    codec_server.fail_with = (400, "unknown key id for Bearer s3cret " + "x" * 500)
    codec = RemoteCodec(codec_server.url, auth="Bearer s3cret")
    try:
        with pytest.raises(CodecError) as info:
            await codec.decode(payloads)
    finally:
        await codec.aclose()
    message = str(info.value)
    assert message.startswith(f"codec server {codec_server.url}/decode answered HTTP 400: ")
    assert "unknown key id" in message
    assert "s3cret" not in message
    assert len(message) < 200 + len(codec_server.url) + 60
    assert info.value.codec == f"remote({codec_server.url})"


async def test_remote_bad_answers_are_codec_errors(
    codec_server: CodecServer, payloads: list[Payload]
) -> None:
    codec = RemoteCodec(codec_server.url)
    try:
        codec_server.fail_with = (200, "<html>not json</html>")
        with pytest.raises(CodecError, match="invalid Payloads JSON"):
            await codec.decode(payloads)
        codec_server.fail_with = (200, '{"payloads": []}')
        with pytest.raises(CodecError, match=f"answered 0 payloads for {len(payloads)}"):
            await codec.decode(payloads)
    finally:
        await codec.aclose()


async def test_remote_timeout_is_a_codec_error(
    codec_server: CodecServer, payloads: list[Payload]
) -> None:
    codec_server.delay = 2.0
    codec = RemoteCodec(codec_server.url, timeout=0.2)
    try:
        with pytest.raises(CodecError, match=r"did not answer within 0\.2s"):
            await codec.decode(payloads)
    finally:
        await codec.aclose()


async def test_remote_connection_failure_is_a_codec_error(payloads: list[Payload]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    codec = RemoteCodec(f"http://user:pw-secret@127.0.0.1:{port}/codec", timeout=5)
    try:
        with pytest.raises(CodecError, match="cannot reach codec server") as info:
            await codec.encode(payloads)
    finally:
        await codec.aclose()
    assert "pw-secret" not in str(info.value)
    assert info.value.codec == f"remote(http://127.0.0.1:{port}/codec)"


def test_remote_name_and_repr_hide_credentials() -> None:
    codec = RemoteCodec("https://alice:hunter2@codec.example.com:8443/x/", namespace="ns")
    assert codec.name == "remote(https://codec.example.com:8443/x)"
    assert "hunter2" not in repr(codec) and "alice" not in repr(codec)
    with_auth = RemoteCodec("http://[::1]:8081", auth="Bearer tok-123")
    assert with_auth.name == "remote(http://[::1]:8081)"
    assert "tok-123" not in repr(with_auth)


@pytest.mark.parametrize(
    ("url", "auth", "match"),
    [
        ("ftp://host/x", None, "http:// or https://"),
        ("localhost:8081", None, "http:// or https://"),
        ("http:///nohost", None, "http:// or https://"),
        ("http://host/x?token=abc", None, "query or fragment"),
        ("http://u:p@host/x", "Bearer t", "has credentials and auth"),
    ],
)
def test_remote_config_errors(url: str, auth: str | None, match: str) -> None:
    with pytest.raises(CodecConfigError, match=match) as info:
        RemoteCodec(url, auth=auth)
    assert "abc" not in str(info.value)
    with pytest.raises(CodecConfigError, match="positive"):
        RemoteCodec("http://host", timeout=0)


async def test_remote_codec_in_a_chain_with_local_codecs(
    codec_server: CodecServer, payloads: list[Payload]
) -> None:
    # [aes, remote(gzip)]: the codec server's gzip runs inside the local encryption.
    remote = RemoteCodec(codec_server.url)
    chain = CodecChain([AesGcmCodec({"a": KEY_A}), remote])
    try:
        encoded = await chain.encode(payloads)
        inner = await AesGcmCodec({"a": KEY_A}).decode(encoded)
        assert all(p.metadata["encoding"] == b"binary/gzip" for p in inner)
        assert await chain.decode(encoded) == payloads
    finally:
        await chain.aclose()
    assert remote._session is None
