"""The layers of one payload's decode, and the diagnosis, on payloads the SDK made.

The SDK is the oracle: its own decode steps (retrieve, then each codec of its chain) give the
payload every layer must hold. The failures are the ones teams meet: a wrong key id, a codec
missing from the chain, codecs in the wrong order, a blob gone from S3, and a history read
with the wrong profile.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, ExternalStorage

from inspector.config import Config
from inspector.diagnosis import Diagnoser, Explanation
from inspector.layers import Step
from inspector.outcomes import ErrorKind
from inspector.references import is_plain_reference, parse_reference
from tests.support.cli import run_cli
from tests.support.config import aes_gcm_codec, config_from, profile, write_config
from tests.support.history import HistoryRun
from tests.support.s3 import S3Bucket
from tests.support.sdk_codecs import SdkAesGcmCodec, SdkChain, SdkGzipCodec
from tests.support.sdk_storage import SdkFilesystemDriver, marked_references

KEY = base64.b64decode("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
OTHER_KEY = base64.b64decode("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=")
VALUE = {"order": 42, "lines": [f"item-{i:04d}-{'x' * (i % 7)}" for i in range(3000)]}


@dataclass
class Stored:
    """One value the SDK wrote as gzip, then aes-gcm, then into S3: the reference and the
    SDK's own payload after each decode step."""

    reference: Payload
    blob: Payload  # what the SDK's retrieve step gives
    after_aes: Payload  # then its aes-gcm codec
    after_gzip: Payload  # then its gzip codec: the value's payload
    bucket: S3Bucket


@pytest.fixture
async def stored(s3_store: S3Bucket) -> AsyncIterator[Stored]:
    aes, gzip = SdkAesGcmCodec("k-2025", KEY), SdkGzipCodec()
    async with s3_store.sdk_driver() as driver:
        conv = dataclasses.replace(
            DataConverter.default,
            payload_codec=SdkChain([aes, gzip]),
            external_storage=ExternalStorage(drivers=[driver], payload_size_threshold=1024),
        )
        [reference] = await conv.encode([VALUE])
        assert is_plain_reference(reference)
        [blob] = await conv._external_retrieve_payload_sequence([reference])
    [after_aes] = await aes.decode([blob])
    [after_gzip] = await gzip.decode([after_aes])
    yield Stored(reference, blob, after_aes, after_gzip, s3_store)


def _config(tmp_path: Path, **profiles: dict[str, Any]) -> Config:
    return config_from(tmp_path, profiles)


def _orders(stored: Stored, codecs: list[Any] | None = None, **keys: Any) -> dict[str, Any]:
    """The profile that reads what the workers wrote (or, given other keys, a wrong one)."""
    if codecs is None:
        codecs = [aes_gcm_codec({"k-2025": KEY}), "gzip"]
    keys.setdefault("namespaces", ["orders"])
    keys.setdefault("storage", stored.bucket.storage())
    return profile(codecs, **keys)


async def _explain(config: Config, name: str, payload: Payload) -> Explanation:
    diagnoser = Diagnoser(config, config.profiles[name])
    try:
        return await diagnoser.explain(payload)
    finally:
        await diagnoser.aclose()


def _bytes(payload: Payload | None) -> bytes:
    assert payload is not None
    return payload.SerializeToString(deterministic=True)


async def test_every_layer_of_a_gzip_aes_gcm_s3_reference_matches_the_sdk_steps(
    stored: Stored, tmp_path: Path
) -> None:
    config = _config(tmp_path, orders=_orders(stored))
    explanation = await _explain(config, "orders", stored.reference)

    assert not explanation.failed and explanation.diagnosis is None
    layers = explanation.layers
    assert [(layer.step, layer.component) for layer in layers] == [
        (Step.INPUT, None),
        (Step.STORAGE, "aws.s3driver"),
        (Step.PRE_CODEC, "aes-gcm"),
        (Step.PRE_CODEC, "gzip"),
        (Step.RESULT, None),
    ]
    oracle = [stored.reference, stored.blob, stored.after_aes, stored.after_gzip, stored.after_gzip]
    for layer, expected in zip(layers, oracle, strict=True):
        assert _bytes(layer.payload) == _bytes(expected), layer.title
        assert layer.size == expected.ByteSize()
    assert [layer.encoding for layer in layers] == [
        "json/protobuf",
        "binary/encrypted",
        "binary/gzip",
        "json/plain",
        "json/plain",
    ]
    assert layers[1].metadata["encryption-key-id"] == "k-2025"
    details = dict(layers[1].details)
    ref = parse_reference(stored.reference)
    assert details["driver"] == "aws.s3driver"
    assert details["claim bucket"] == stored.bucket.name
    assert details["stored size"] == f"{ref.stored_size} bytes" == f"{stored.blob.ByteSize()} bytes"
    assert details["hash"].startswith("checked by the driver")
    assert DataConverter.default.payload_converter.from_payloads([layers[-1].payload]) == [VALUE]


async def test_a_wrong_key_id_fails_at_the_aes_gcm_layer_naming_both_key_ids(
    stored: Stored, tmp_path: Path
) -> None:
    wrong = _orders(stored, [aes_gcm_codec({"k-2026": OTHER_KEY, "k-2027": KEY}), "gzip"])
    config = _config(tmp_path, payments=wrong)
    explanation = await _explain(config, "payments", stored.reference)

    *good, failing = explanation.layers
    assert [layer.step for layer in good] == [Step.INPUT, Step.STORAGE]
    assert failing.step is Step.PRE_CODEC and failing.component == "aes-gcm"
    assert failing.payload is None and failing.error is not None
    assert failing.error.kind is ErrorKind.CODEC
    assert explanation.diagnosis == (
        "encrypted with key id 'k-2025'; profile 'payments' knows only 'k-2026', 'k-2027'"
    )
    assert base64.b64encode(KEY).decode() not in json.dumps(explanation.diagnosis)


async def test_a_wrong_key_with_the_right_profile_in_the_config_names_that_profile(
    stored: Stored, tmp_path: Path
) -> None:
    wrong = _orders(stored, [aes_gcm_codec({"k-2026": OTHER_KEY}), "gzip"], namespaces=["pay"])
    config = _config(tmp_path, payments=wrong, orders=_orders(stored))
    explanation = await _explain(config, "payments", stored.reference)
    assert explanation.diagnosis == (
        "encrypted with key id 'k-2025'; profile 'payments' knows only 'k-2026'; "
        "decodes with profile 'orders' (serves namespace 'orders'), not 'payments'"
    )


async def test_a_codec_missing_from_the_chain_leaves_the_result_encoded_and_says_which(
    stored: Stored, tmp_path: Path
) -> None:
    config = _config(tmp_path, orders=_orders(stored, [aes_gcm_codec({"k-2025": KEY})]))
    explanation = await _explain(config, "orders", stored.reference)

    steps = [(layer.step, layer.component, layer.encoding) for layer in explanation.layers]
    assert steps == [
        (Step.INPUT, None, "json/protobuf"),
        (Step.STORAGE, "aws.s3driver", "binary/encrypted"),
        (Step.PRE_CODEC, "aes-gcm", "binary/gzip"),
        (Step.RESULT, None, "binary/gzip"),
    ]
    assert _bytes(explanation.layers[-1].payload) == _bytes(stored.after_aes)
    assert explanation.problem == (
        "result: left encoded: no codec of profile 'orders' decodes binary/gzip"
    )
    assert explanation.diagnosis == (
        "left as 'binary/gzip': profile 'orders' has no gzip codec; "
        "it decodes with codecs aes-gcm → gzip"
    )


async def test_codecs_in_the_wrong_order_pass_through_and_the_right_order_is_named(
    stored: Stored, tmp_path: Path
) -> None:
    config = _config(tmp_path, orders=_orders(stored, ["gzip", aes_gcm_codec({"k-2025": KEY})]))
    explanation = await _explain(config, "orders", stored.reference)
    gzip_layer = explanation.layers[2]
    assert (gzip_layer.component, gzip_layer.changed) == ("gzip", False)  # not its encoding
    assert explanation.layers[-1].encoding == "binary/gzip"
    assert explanation.diagnosis == (
        "decodes with the codecs in the order aes-gcm → gzip, not gzip → aes-gcm"
    )


async def test_a_blob_gone_from_s3_fails_at_the_storage_layer(
    stored: Stored, tmp_path: Path
) -> None:
    config = _config(tmp_path, orders=_orders(stored))
    stored.bucket.delete(parse_reference(stored.reference).claim["key"])
    explanation = await _explain(config, "orders", stored.reference)

    input_layer, failing = explanation.layers
    assert input_layer.step is Step.INPUT
    assert (failing.step, failing.component) == (Step.STORAGE, "aws.s3driver")
    assert failing.error is not None and failing.error.kind is ErrorKind.MISSING
    assert explanation.diagnosis == "the blob is in no profile's storage (tried 'orders')"


async def test_a_reference_to_a_bucket_no_profile_reads_is_named(
    stored: Stored, tmp_path: Path
) -> None:
    other = stored.bucket.moto.create_bucket()
    elsewhere = _orders(stored, storage=dict(stored.bucket.storage(), bucket=other))
    config = _config(tmp_path, orders=elsewhere)
    explanation = await _explain(config, "orders", stored.reference)
    assert explanation.layers[-1].step is Step.STORAGE
    assert explanation.diagnosis == (
        f"the reference names bucket '{stored.bucket.name}'; profile 'orders' reads only "
        f"'{other}'; no profile lists it (add it to a profile's storage buckets)"
    )


async def test_a_reference_to_a_driver_no_profile_has_is_named(
    stored: Stored, tmp_path: Path
) -> None:
    store = {"driver": "filesystem", "path": str(tmp_path / "store")}
    config = _config(tmp_path, local=profile(["gzip"], namespaces=["x"], storage=store))
    explanation = await _explain(config, "local", stored.reference)
    assert explanation.layers[-1].error is not None
    assert explanation.diagnosis == (
        "the reference names driver 'aws.s3driver'; profile 'local' has only "
        "'local.filesystem'; no profile has a driver of that name"
    )


async def test_a_proxy_codec_and_a_marked_reference_each_have_their_layer(
    tmp_path: Path,
) -> None:
    """A worker's aes-gcm with marked references into our filesystem store, gzipped again by
    a codec-server proxy: every step of the decode, each equal to the SDK's own step."""
    aes = SdkAesGcmCodec("k-2025", KEY)
    conv = dataclasses.replace(
        DataConverter.default,
        payload_codec=aes,
        external_storage=ExternalStorage(
            drivers=[SdkFilesystemDriver(tmp_path / "store")], payload_size_threshold=1024
        ),
    )
    with marked_references():
        [marked] = await conv.encode([VALUE])
    [proxied] = await SdkGzipCodec().encode([marked])
    [plain_ref] = await conv._decode_reference_payload_sequence([marked])
    [blob] = await conv._external_retrieve_payload_sequence([plain_ref])
    [value] = await conv._decode_payload_sequence([blob])
    store = {"driver": "filesystem", "path": str(tmp_path / "store")}
    codecs = [aes_gcm_codec({"k-2025": KEY})]
    config = config_from(
        tmp_path, {"p": profile(codecs, proxy_codecs=["gzip"], namespaces=["p"], storage=store)}
    )
    explanation = await _explain(config, "p", proxied)

    assert [(layer.step, layer.component) for layer in explanation.layers] == [
        (Step.INPUT, None),
        (Step.POST_CODEC, "gzip"),
        (Step.REFERENCE, "aes-gcm"),
        (Step.STORAGE, "local.filesystem"),
        (Step.PRE_CODEC, "aes-gcm"),
        (Step.RESULT, None),
    ]
    oracle = [proxied, marked, plain_ref, blob, value, value]
    for layer, expected in zip(explanation.layers, oracle, strict=True):
        assert _bytes(layer.payload) == _bytes(expected), layer.title
    assert dict(explanation.layers[3].details)["hash"] == ("checked by the driver (sha256)")


async def test_a_profile_whose_storage_never_answers_does_not_hold_the_diagnosis_up(
    tmp_path: Path,
) -> None:
    from inspector.references import Reference, make_reference_payload
    from tests.support.drivers import STALLING_DRIVER_NAME, stub_storage

    reference = make_reference_payload(Reference(STALLING_DRIVER_NAME, {"key": "k"}, 10))
    stalled = stub_storage("StallingDriver", timeout_seconds=120)
    config = _config(
        tmp_path,
        bare=profile(["gzip"], namespaces=["bare"]),
        stalled=profile(["gzip"], namespaces=["stalled"], storage=stalled),
    )
    # bounded: the try with "stalled" (a minute to answer) gives up after TRY_SECONDS
    explanation = await asyncio.wait_for(_explain(config, "bare", reference), 30)
    assert explanation.diagnosis == (
        f"the reference names driver '{STALLING_DRIVER_NAME}'; profile 'bare' has no storage"
    )


async def test_explain_prints_the_layers_and_exits_3_when_a_layer_fails(
    stored: Stored, tmp_path: Path
) -> None:
    from google.protobuf import json_format

    document = tmp_path / "payloads.json"
    document.write_text(json.dumps({"payloads": [json_format.MessageToDict(stored.reference)]}))
    wrong = _orders(stored, [aes_gcm_codec({"k-2026": OTHER_KEY}), "gzip"], namespaces=["pay"])
    config = write_config(tmp_path, {"payments": wrong, "orders": _orders(stored)})
    args = ("explain", str(document), "--select", "/payloads/0", "--config", str(config))

    code, out, err = await run_cli(*args, "--namespace", "orders")
    assert code == 0, err.decode()
    text = out.decode()
    assert "layer 1: storage (aws.s3driver) — binary/encrypted" in text
    assert "layer 3: pre-storage codec (gzip) — json/plain" in text
    assert "diagnosis" not in text

    code, out, err = await run_cli(*args, "--profile", "payments", "--json")
    assert code == 3, err.decode()
    report = json.loads(out)
    assert report["ok"] is False and report["profile"] == "payments"
    assert [layer["step"] for layer in report["layers"]] == [
        "input",
        "storage",
        "pre-storage codec",
    ]
    assert report["layers"][2]["error"]["kind"] == "codec"
    assert report["diagnosis"].startswith("encrypted with key id 'k-2025'")
    assert base64.b64encode(OTHER_KEY).decode() not in out.decode()

    code, out, err = await run_cli(*args, "--select", "/payloads/7")
    assert code == 2 and b"--select: no payload at '/payloads/7'" in err


async def test_decode_names_the_right_profile_for_a_history_opened_with_the_wrong_one(
    real_history: HistoryRun, tmp_path: Path
) -> None:
    store = {"driver": "filesystem", "path": str(tmp_path / "store")}
    right = dict(real_history.profile, namespaces=["orders"])
    config = write_config(
        tmp_path,
        {"default": profile(namespaces=["default"], storage=store), "orders": right},
    )
    code, _, err = await run_cli("decode", str(real_history.path), "--config", str(config))
    assert code == 3
    lines = err.decode().splitlines()
    right = "decodes with profile 'orders' (serves namespace 'orders'), not 'default'"
    assert lines and all(" — hint: " in line and line.endswith(right) for line in lines), lines

    pointer = real_history.large_result_pointer()
    code, out, _ = await run_cli(
        "explain", str(real_history.path), "--select", pointer, "--config", str(config)
    )
    assert code == 3
    diagnosis = out.decode().splitlines()[-1]
    assert diagnosis == (
        "diagnosis: the reference names driver 'aws.s3driver'; profile 'default' has only "
        f"'local.filesystem'; {right}"
    )
