"""Protobuf payloads read for people: the SDK's proto converters are the oracle.

A message of a schema written for the test is made into payloads by the SDK's
``BinaryProtoPayloadConverter`` and ``JSONProtoPayloadConverter``, gzipped and offloaded by
the SDK, and ``decode --readable`` must show exactly ``MessageToDict`` of the original,
whether the profile names the descriptor set, the ``.proto`` or its folder. An unknown type
is shown field by field and compared with ``protoc --decode_raw`` itself.
"""

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
from temporalio.api.common.v1 import Payload, Payloads, WorkflowExecution
from temporalio.converter import (
    BinaryNullPayloadConverter,
    BinaryProtoPayloadConverter,
    CompositePayloadConverter,
    DataConverter,
    ExternalStorage,
    JSONProtoPayloadConverter,
)

from inspector.documents import payload_to_readable, read_value
from inspector.documents.protobuf import RAW_LABEL
from inspector.protobufs import ProtoDescriptorError, load_message_types
from inspector.references import is_plain_reference
from tests.support.config import filesystem_storage, profile, write_config
from tests.support.protos import ORDER_TYPE, Schema, protoc, sample_order, write_schema
from tests.support.sdk_codecs import SdkGzipCodec
from tests.support.sdk_storage import SdkFilesystemDriver

THRESHOLD = 200


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Schema:
    return write_schema(tmp_path_factory.mktemp("schema"))


class _BinaryProto(CompositePayloadConverter):
    def __init__(self) -> None:
        super().__init__(BinaryNullPayloadConverter(), BinaryProtoPayloadConverter())


class _JsonProto(CompositePayloadConverter):
    def __init__(self) -> None:
        super().__init__(BinaryNullPayloadConverter(), JSONProtoPayloadConverter())


async def _sdk_encoded(
    converter: type[CompositePayloadConverter], store: Path, value: Any
) -> Payload:
    """One value through the SDK: its proto converter, gzip, offloaded to the store."""
    conv = dataclasses.replace(
        DataConverter.default,
        payload_converter_class=converter,
        payload_codec=SdkGzipCodec(),
        external_storage=ExternalStorage(
            drivers=[SdkFilesystemDriver(store)], payload_size_threshold=THRESHOLD
        ),
    )
    [payload] = await conv.encode([value])
    return payload


def _decode(config: Path, doc: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "inspector.cli", "decode", "--config", str(config), *args],
        input=doc,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("source", ["descriptor set", ".proto", "folder"])
async def test_decode_readable_shows_message_to_dict(
    source: str, schema: Schema, tmp_path: Path
) -> None:
    order = sample_order(schema, items=40)
    store = tmp_path / "store"
    payloads = [
        await _sdk_encoded(_BinaryProto, store, order),
        await _sdk_encoded(_JsonProto, store, order),
    ]
    assert all(is_plain_reference(p) for p in payloads), "both offloaded"
    doc = json_format.MessageToJson(Payloads(payloads=payloads)).encode()
    named = {
        "descriptor set": schema.descriptor_set,
        ".proto": schema.proto,
        "folder": schema.folder,
    }[source]
    storage = filesystem_storage(store, threshold=THRESHOLD)
    config = write_config(
        tmp_path,
        {"main": profile(["gzip"], storage=storage, proto_descriptors=[str(named)])},
    )
    plain = write_config(tmp_path, {"main": profile(["gzip"], storage=storage)}, name="p.toml")

    done = _decode(config, doc, "--readable", "--profile", "main")
    assert done.returncode == 0, done.stderr.decode()
    shown = json.loads(done.stdout)["payloads"]
    expected = json_format.MessageToDict(order)
    assert expected["lineItems"][0]["priceMicros"] == "9007199254740993"
    assert expected["status"] == "STATUS_SHIPPED"
    assert [p["data"] for p in shown] == [expected, expected]
    assert [p["metadata"]["encoding"] for p in shown] == ["binary/protobuf", "json/protobuf"]
    assert {p["metadata"]["messageType"] for p in shown} == {ORDER_TYPE}

    # Without --readable the descriptors change nothing: the same bytes as without them.
    with_types = _decode(config, doc, "--profile", "main")
    without = _decode(plain, doc, "--profile", "main")
    assert with_types.returncode == without.returncode == 0
    assert with_types.stdout == without.stdout
    decoded = json_format.Parse(with_types.stdout, Payloads()).payloads
    assert decoded[0].data == order.SerializeToString()


def test_unknown_type_is_shown_raw_like_protoc_decode_raw(schema: Schema) -> None:
    order = sample_order(schema)
    data = order.SerializeToString()
    payload = Payload(
        metadata={"encoding": b"binary/protobuf", "messageType": ORDER_TYPE.encode()}, data=data
    )
    value = read_value(payload)  # only the Temporal API is known: the order is not
    assert value.kind == "json"
    assert "unknown message type" in value.note
    shown = value.value
    assert "unknown message type" in shown[RAW_LABEL]
    assert "decode_raw" in shown[RAW_LABEL]
    assert shown["messageType"] == ORDER_TYPE
    done = protoc("--decode_raw", stdin=data)
    assert done.returncode == 0, done.stderr.decode()
    assert _as_protoc_text(shown["fields"]) == done.stdout.decode()
    # the payload itself is untouched
    assert payload.metadata["encoding"] == b"binary/protobuf" and payload.data == data


def _as_protoc_text(fields: list[dict[str, Any]], indent: str = "") -> str:
    """Our raw fields in protoc's text (ASCII strings only; bytes as protoc escapes them)."""
    out = []
    for f in fields:
        number = f["field"]
        if "message" in f:
            inner = _as_protoc_text(f["message"], indent + "  ")
            out.append(f"{indent}{number} {{\n{inner}{indent}}}\n")
        elif "string" in f:
            out.append(f'{indent}{number}: "{_c_escape(f["string"].encode())}"\n')
        elif "bytes" in f:
            out.append(f'{indent}{number}: "{_c_escape(base64.b64decode(f["bytes"]))}"\n')
        else:
            out.append(f"{indent}{number}: {f['value']}\n")
    return "".join(out)


def _c_escape(data: bytes) -> str:
    special = {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", 34: '\\"', 39: "\\'"}
    special[92] = "\\\\"
    return "".join(special.get(b, chr(b) if 0x20 <= b < 0x7F else f"\\{b:03o}") for b in data)


def test_temporal_api_messages_are_known_out_of_the_box() -> None:
    message = WorkflowExecution(workflow_id="wf-1", run_id="run-1")
    binary = BinaryProtoPayloadConverter().to_payload(message)
    assert binary is not None
    readable = payload_to_readable(binary)
    assert readable["data"] == {"workflowId": "wf-1", "runId": "run-1"}
    assert readable["metadata"]["encoding"] == "binary/protobuf"


def test_not_wire_format_stays_bytes() -> None:
    payload = Payload(
        metadata={"encoding": b"binary/protobuf", "messageType": b"no.Such"}, data=b"\xff\xff"
    )
    assert read_value(payload).kind == "binary"


def test_json_protobuf_of_an_unknown_type_reads_as_json() -> None:
    payload = Payload(
        metadata={"encoding": b"json/protobuf", "messageType": b"no.Such"}, data=b'{"a_b":1}'
    )
    value = read_value(payload)
    assert (value.kind, value.value, value.note) == ("json", {"a_b": 1}, "")


def test_a_proto_that_does_not_compile_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.proto"
    bad.write_text('syntax = "proto3";\npackage x;\nmessage A { int32 a = 1 }\n')
    with pytest.raises(ProtoDescriptorError) as info:
        load_message_types([bad])
    assert f"{bad}:3:" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_set_missing_its_imports_is_completed_or_named(schema: Schema, tmp_path: Path) -> None:
    without = tmp_path / "no-imports.binpb"
    done = protoc(
        f"--proto_path={schema.folder}", f"--descriptor_set_out={without}", str(schema.proto)
    )
    assert done.returncode == 0
    types = load_message_types([without])  # timestamp.proto comes from the process's pool
    assert types.find(ORDER_TYPE) is not None

    importer = tmp_path / "uses.proto"
    importer.write_text(
        'syntax = "proto3";\nimport "orders/v1/orders.proto";\n'
        "message Wrap { example.orders.v1.Order order = 1; }\n"
    )
    lone = tmp_path / "lone.binpb"
    done = protoc(
        f"--proto_path={tmp_path}",
        f"--proto_path={schema.folder}",
        f"--descriptor_set_out={lone}",
        str(importer),
    )
    assert done.returncode == 0, done.stderr.decode()
    with pytest.raises(ProtoDescriptorError, match=r"imports orders/v1/orders\.proto"):
        load_message_types([lone])


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file or folder"), (b"not a descriptor set", "not a FileDescriptorSet")],
)
def test_bad_sources_are_one_line(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "x.binpb"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ProtoDescriptorError, match=message) as info:
        load_message_types([path])
    assert str(path) in str(info.value)


def test_decode_readable_with_a_broken_descriptor_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.proto"
    bad.write_text("message {")
    config = write_config(
        tmp_path, {"main": profile(namespaces=["*"], proto_descriptors=[str(bad)])}
    )
    doc = b'{"payloads": []}'
    done = _decode(config, doc, "--readable")
    assert done.returncode == 2
    [line] = done.stderr.decode().splitlines()
    assert line.startswith("payload-inspector decode: proto_descriptors: ") and str(bad) in line
    assert _decode(config, doc).returncode == 0, "only --readable reads the descriptors"


def test_a_build_without_python_asks_for_a_descriptor_set(
    schema: Schema, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with pytest.raises(ProtoDescriptorError, match="give a descriptor set instead"):
        load_message_types([schema.proto])
    assert load_message_types([schema.descriptor_set]).find(ORDER_TYPE) is not None
