"""``payload-inspector decode`` as a user runs it: real processes, exit codes, stderr lines."""

from __future__ import annotations

import base64
import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads
from temporalio.converter import DataConverter, ExternalStorage

from inspector.codecs import AesGcmCodec, GzipCodec
from inspector.references import parse_reference
from inspector.storage.filesystem import FilesystemDriver
from tests.support.config import aes_gcm_codec, filesystem_storage, profile, write_config

KEY = base64.b64encode(bytes(range(32))).decode()
BIG = "".join(f"{i:x}-" for i in range(20000))


def run(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "inspector.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        env=env,
    )


@pytest.fixture
def store_config(tmp_path: Path) -> Path:
    storage = filesystem_storage(tmp_path / "store", threshold=1000)
    return write_config(
        tmp_path,
        {
            "main": profile(["gzip"], namespaces=["*"], storage=storage),
            "secret": profile([aes_gcm_codec({"other": KEY})]),
        },
    )


async def _encoded(tmp_path: Path, values: list[Any]) -> Payloads:
    conv = dataclasses.replace(
        DataConverter.default,
        payload_codec=GzipCodec(),
        external_storage=ExternalStorage(
            drivers=[FilesystemDriver(tmp_path / "store")], payload_size_threshold=1000
        ),
    )
    return Payloads(payloads=await conv.encode(values))


def _values(doc: dict[str, Any]) -> list[Any]:
    payloads = json_format.ParseDict(doc, Payloads()).payloads
    return DataConverter.default.payload_converter.from_payloads(list(payloads))


async def test_decode_views_keep_the_shape(tmp_path: Path, store_config: Path) -> None:
    values = ["hello", {"big": BIG}, None]
    doc = json_format.MessageToJson(await _encoded(tmp_path, values)).encode()
    decoded = run("decode", "--config", str(store_config), stdin=doc)
    assert decoded.returncode == 0, decoded.stderr
    assert _values(json.loads(decoded.stdout)) == values

    refs = run("decode", "-", "--view", "refs", "--config", str(store_config), stdin=doc)
    kept = json_format.ParseDict(json.loads(refs.stdout), Payloads()).payloads
    assert kept[1].metadata["encoding"] == b"json/protobuf"
    assert parse_reference(kept[1]).driver_name == "local.filesystem"

    raw = run("decode", "--view", "raw", "--config", str(store_config), stdin=doc)
    assert json.loads(raw.stdout) == json.loads(doc)

    file = tmp_path / "in.json"
    file.write_bytes(doc)
    readable = run("decode", str(file), "--readable", "--config", str(store_config))
    shown = json.loads(readable.stdout)
    assert shown["payloads"][0]["data"] == "hello"
    assert shown["payloads"][1]["data"] == {"big": BIG}
    assert file.read_bytes() == doc  # the input is never modified


async def test_download_view_fetches_references_only(tmp_path: Path, store_config: Path) -> None:
    values = ["inline", {"big": BIG}]
    refs = run(
        "decode",
        "--view",
        "refs",
        "--config",
        str(store_config),
        stdin=json_format.MessageToJson(await _encoded(tmp_path, values)).encode(),
    )
    downloaded = run(
        "decode", "--view", "download", "--config", str(store_config), stdin=refs.stdout
    )
    assert downloaded.returncode == 0, downloaded.stderr
    assert _values(json.loads(downloaded.stdout)) == values


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"{not json", "<stdin>: not JSON"),
        (b'{"hello": 1}', "expected Payloads, a Payload, a list of payloads, a workflow"),
        (b'{"payloads": [{"metadata": {"encoding": "%%%"}}]}', "/payloads/0"),
        (b"\xff\xfe\x00", "<stdin>"),
    ],
)
def test_bad_input_exits_2_with_one_line(stdin: bytes, message: str, store_config: Path) -> None:
    result = run("decode", "--config", str(store_config), stdin=stdin)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert result.stdout == b""


def test_bad_config_and_usage_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[profiles.p]\ncodecs = ["gzipp"]\n')
    result = run("decode", "--config", str(bad), stdin=b'{"payloads": []}')
    assert result.returncode == 2
    assert f"{bad}: profiles.p.codecs[0]: unknown codec 'gzipp'" in result.stderr.decode()
    assert run("decode", "--view", "nope").returncode == 2
    missing = run("decode", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr.decode()


async def test_decode_failures_exit_3_naming_each_payload(
    tmp_path: Path, store_config: Path
) -> None:
    values = ["fine", {"big": BIG}, {"other": BIG + "x"}]
    encoded = await _encoded(tmp_path, values)
    gone = parse_reference(encoded.payloads[1]).claim["hash_value"]
    (tmp_path / "store" / "sha256" / gone[:2] / gone).unlink()
    tampered = parse_reference(encoded.payloads[2]).claim["hash_value"]
    blob = tmp_path / "store" / "sha256" / tampered[:2] / tampered
    blob.write_bytes(blob.read_bytes() + b"x")
    doc = json_format.MessageToJson(encoded).encode()

    result = run("decode", "--config", str(store_config), stdin=doc)
    assert result.returncode == 3 and result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("<stdin>: payloads[1] (/payloads/1): storage (local.filesystem)")
    assert "blob not found" in lines[0]
    assert "payloads[2] (/payloads/2)" in lines[1] and "integrity check failed" in lines[1]

    going = run("decode", "--keep-going", "--config", str(store_config), stdin=doc)
    assert going.returncode == 3
    out = json.loads(going.stdout)
    assert out["payloads"][1] == json.loads(doc)["payloads"][1]  # left as it was
    assert _values({"payloads": out["payloads"][:1]}) == ["fine"]


async def test_wrong_key_and_unknown_driver_exit_3(tmp_path: Path, store_config: Path) -> None:
    conv = dataclasses.replace(
        DataConverter.default, payload_codec=AesGcmCodec({"mine": bytes(32)})
    )
    doc = json_format.MessageToJson(Payloads(payloads=await conv.encode(["x"]))).encode()
    result = run("decode", "--profile", "secret", "--config", str(store_config), stdin=doc)
    assert result.returncode == 3
    assert "pre-storage codec (aes-gcm): unknown encryption key id 'mine'" in (
        result.stderr.decode()
    )
    refs = await _encoded(tmp_path, [BIG])
    result = run(
        "decode",
        "--profile",
        "secret",
        "--config",
        str(store_config),
        stdin=json_format.MessageToJson(refs).encode(),
    )
    assert result.returncode == 3
    assert "has no external storage" in result.stderr.decode()
