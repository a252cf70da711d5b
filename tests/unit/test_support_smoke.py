"""The real-parts fixtures work (tests/support, tests/conftest.py).

What ``temporal workflow show -o json`` (CLI 1.9.1, Server 1.32.0) really writes — the
document reader must accept exactly this:

- ``{"events": [...]}`` and nothing else at the top level; protobuf JSON with camelCase
  names, int64 fields as strings (``"eventId": "10"``, ``"sizeBytes": "281526"``),
  durations as ``"240s"``, enums by full name (``"EVENT_TYPE_ACTIVITY_TASK_COMPLETED"``).
- Every payload in full proto JSON: metadata values and ``data`` base64 — even
  ``json/plain`` ones. ``-o json`` never uses the CLI's payload "shorthand" for
  ``workflow show``; ``--no-json-shorthand-payloads`` gives byte-identical output. (Other
  commands do use it: ``workflow describe -o json`` prints memo as ``{"k": "v"}``.)
- A storage reference keeps ``externalPayloads``. The stored activity result, verbatim
  (data = base64 of the ``ExternalStorageReference`` JSON
  ``{"claimData":{"bucket":…,"hash_algorithm":"sha256","hash_value":…,"key":"v0/ns/default/
  wt/InspectorSampleWorkflow/wi/<wid>/ri/<rid>/d/sha256/<hex>"},"driverName":"aws.s3driver"}``;
  note the SDK S3 driver keys by the *workflow*, not the activity)::

    {
     "eventId": "10",
     "eventTime": "2026-11-27T22:04:52.775509461Z",
     "eventType": "EVENT_TYPE_ACTIVITY_TASK_COMPLETED",
     "taskId": "1048611",
     "activityTaskCompletedEventAttributes": {
      "result": {
       "payloads": [
        {
         "metadata": {
          "encoding": "anNvbi9wcm90b2J1Zg==",
          "messageType": "dGVtcG9yYWwuYXBpLnNkay52MS5FeHRlcm5hbFN0b3JhZ2VSZWZlcmVuY2U="
         },
         "data": "eyJjbGFpbURhdGEiOnsiYnVja2V0Ijoi…In0=",
         "externalPayloads": [{"sizeBytes": "281526"}]
        }
       ]
      },
      "scheduledEventId": "8",
      "startedEventId": "9",
      "identity": "inspector-sample-worker"
     }
    }

- Everything else the gzip codec touched is ``{"metadata": {"encoding": "YmluYXJ5L2d6aXA="},
  "data": "H4sI…"}`` (``binary/gzip``); search attributes are never codec-encoded:
  ``{"metadata": {"encoding": "anNvbi9wbGFpbg==", "type": "S2V5d29yZA=="}, "data":
  "InNhbXBsZSI="}`` (``json/plain``, type ``Keyword``, ``"sample"``).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import socket
import time
import urllib.request
import zlib

import pytest
import temporalio.converter._extstore as extstore
from temporalio.api.common.v1 import Payload
from temporalio.converter import StorageDriverClaim, StorageDriverRetrieveContext
from temporalio.converter import StorageDriverStoreContext as StoreCtx

from tests.support.config import (
    aes_gcm_codec,
    config_from,
    filesystem_storage,
    profile,
    python_storage,
    remote_codec,
    s3_storage,
)
from tests.support.history import (
    REFERENCE_MESSAGE_TYPE,
    HistoryRun,
    export_history_args,
    is_reference,
    iter_payloads,
    payload_from_json,
    resolve_pointer,
    sdk_converter,
)
from tests.support.ports import free_port, free_ports, port_open
from tests.support.s3 import MotoS3, sdk_s3_driver
from tests.support.sdk_codecs import (
    SdkAesGcmCodec,
    SdkChain,
    SdkGzipCodec,
    SdkZlibCodec,
)
from tests.support.sdk_storage import SdkFilesystemDriver, marked_references
from tests.support.temporal_server import TemporalDevServer

MARKER = "__temporal_external_storage_reference"
BIG = {"rows": [os.urandom(16).hex() for _ in range(4000)]}  # ~140 KB JSON, incompressible-ish


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# -- config builders ----------------------------------------------------------------------


def test_config_builders_write_what_the_config_reader_reads(tmp_path) -> None:
    key = bytes(range(32))
    config = config_from(
        tmp_path,
        {
            "fs": profile(
                ["gzip", aes_gcm_codec({"k-1": key}, encrypt_with="k-1")],
                namespaces=["a", "b"],
                storage=filesystem_storage("store", threshold=100, timeout_seconds=5),
            ),
            "cloud": profile(
                [remote_codec("http://127.0.0.1:1/codec", auth="Bearer x")],
                storage=[
                    s3_storage("bucket-1", "http://127.0.0.1:2", buckets=["bucket-0"]),
                    python_storage("tests.support.drivers:StallingDriver", name="slow"),
                ],
            ),
            "bare": profile(),
        },
        {"token": "t", "max_body_bytes": 1000},
    )
    assert (config.server.token, config.server.max_body_bytes) == ("t", 1000)
    fs, cloud, bare = (config.profiles[name] for name in ("fs", "cloud", "bare"))
    assert fs.namespaces == ("a", "b") and [c.type for c in fs.codecs] == ["gzip", "aes-gcm"]
    assert dict(fs.codecs[1].keys) == {"k-1": key} and fs.codecs[1].encrypt_with == "k-1"
    [store] = fs.storage
    assert store.path == tmp_path / "store" and store.timeout_seconds == 5
    assert fs.threshold == 100
    assert cloud.namespaces == ("cloud",) and cloud.codecs[0].url == "http://127.0.0.1:1/codec"
    s3, stub = cloud.storage
    assert (s3.bucket, s3.buckets, s3.region) == ("bucket-1", ("bucket-0",), "us-east-1")
    assert (stub.factory, stub.name) == ("tests.support.drivers:StallingDriver", "slow")
    assert bare.codecs == () and bare.storage == ()


# -- ports ---------------------------------------------------------------------------------


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(5)
    assert len(set(ports)) == 5
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))


# -- moto S3 ----------------------------------------------------------------------------------


def test_moto_sets_fake_credentials(moto_s3: MotoS3) -> None:
    assert moto_s3.endpoint_url.startswith("http://127.0.0.1:")
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "AWS_PROFILE" not in os.environ


async def test_sdk_s3_driver_round_trip(moto_s3: MotoS3, s3_bucket: str) -> None:
    async with sdk_s3_driver(moto_s3.endpoint_url, s3_bucket) as driver:
        converter = sdk_converter(SdkGzipCodec(), [driver], threshold=1024)
        [stored] = await converter.encode([BIG])
        assert is_reference(stored)
        claim = json.loads(stored.data)["claimData"]
        assert claim["bucket"] == s3_bucket
        assert moto_s3.list_keys(s3_bucket) == [claim["key"]]
        assert await converter.decode([stored]) == [BIG]


async def test_moto_stop_start_keeps_state_and_cuts_connections(
    moto_s3: MotoS3, s3_bucket: str
) -> None:
    payload = Payload(metadata={"encoding": b"binary/plain"}, data=b"x" * 100)
    async with sdk_s3_driver(
        moto_s3.endpoint_url, s3_bucket, max_attempts=1, connect_timeout=2, read_timeout=5
    ) as driver:
        [claim] = await driver.store(StoreCtx(), [payload])
        # The client now holds a pooled keep-alive connection; a stop must still fail it.
        with moto_s3.stopped():
            assert not port_open("127.0.0.1", moto_s3.port)
            started = time.monotonic()
            with pytest.raises(RuntimeError, match="retrieve failed"):
                await driver.retrieve(StorageDriverRetrieveContext(), [claim])
            assert time.monotonic() - started < 10
        # Restarted on the same port: the object stored before the stop is still there.
        assert moto_s3.running and port_open("127.0.0.1", moto_s3.port)
        assert await driver.retrieve(StorageDriverRetrieveContext(), [claim]) == [payload]

    key = claim.claim_data["key"]
    snap = moto_s3.snapshot([s3_bucket])
    moto_s3.delete_object(s3_bucket, key)
    assert moto_s3.list_keys(s3_bucket) == []
    moto_s3.restore(snap)
    assert moto_s3.get_object(s3_bucket, key) == payload.SerializeToString()


def test_moto_start_fails_fast_on_busy_port() -> None:
    before = os.environ.get("AWS_ACCESS_KEY_ID")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        started = time.monotonic()
        with pytest.raises(OSError, match="cannot bind"):
            MotoS3(busy.getsockname()[1], start_timeout=1)
        assert time.monotonic() - started < 5
    assert os.environ.get("AWS_ACCESS_KEY_ID") == before


# -- reference codecs ------------------------------------------------------------------------


async def test_sdk_codec_formats() -> None:
    inner = Payload(metadata={"encoding": b"json/plain"}, data=b'{"a":1}')
    raw = inner.SerializeToString()

    [gz] = await SdkGzipCodec().encode([inner])
    assert gz.metadata["encoding"] == b"binary/gzip" and gzip.decompress(gz.data) == raw
    assert (await SdkGzipCodec().encode([inner]))[0] == gz  # deterministic (mtime=0)

    [zl] = await SdkZlibCodec(always_encode=True).encode([inner])
    assert zl.metadata["encoding"] == b"binary/zlib" and zlib.decompress(zl.data) == raw
    assert (await SdkZlibCodec().encode([inner]))[0] == inner  # Go: only when smaller

    key = bytes(range(32))
    aes = SdkAesGcmCodec("k1", key)
    [enc] = await aes.encode([inner])
    assert enc.metadata["encoding"] == b"binary/encrypted"
    assert enc.metadata["encryption-key-id"] == b"k1"
    assert len(enc.data) == 12 + len(raw) + 16  # nonce + ciphertext + tag
    assert await aes.decode([enc]) == [inner]
    with pytest.raises(ValueError, match="key ID"):
        await SdkAesGcmCodec("k2", key).decode([enc])
    assert await SdkAesGcmCodec("k2", key, {"k1": key}).decode([enc]) == [inner]

    chain = SdkChain([aes, SdkGzipCodec()])  # outermost first
    [both] = await chain.encode([inner])
    assert both.metadata["encoding"] == b"binary/encrypted"
    [gz_inside] = await aes.decode([both])
    assert gz_inside.metadata["encoding"] == b"binary/gzip"
    assert await chain.decode([both]) == [inner]

    converter = sdk_converter(chain, None)
    assert await converter.decode(await converter.encode([{"ü": [1, 2]}])) == [{"ü": [1, 2]}]


# -- filesystem reference driver and marked references ---------------------------------------


async def test_sdk_filesystem_driver_wire_format(tmp_path) -> None:
    driver = SdkFilesystemDriver(tmp_path)
    converter = sdk_converter(SdkGzipCodec(), [driver], threshold=1024)
    [ref] = await converter.encode([BIG])
    assert is_reference(ref)
    body = json.loads(ref.data)
    assert body["driverName"] == "local.filesystem"
    claim = body["claimData"]
    digest = claim["hash_value"]
    assert claim == {"key": f"sha256/{digest}", "hash_algorithm": "sha256", "hash_value": digest}
    blob = tmp_path / "sha256" / digest[:2] / digest
    stored = Payload.FromString(blob.read_bytes())
    assert stored.metadata["encoding"] == b"binary/gzip"
    assert ref.external_payloads[0].size_bytes == stored.ByteSize()
    assert await converter.decode([ref]) == [BIG]
    with pytest.raises(ValueError, match="invalid filesystem claim"):
        await driver.retrieve(
            StorageDriverRetrieveContext(), [StorageDriverClaim({"key": "../etc/passwd"})]
        )


async def test_marked_references_switch(tmp_path) -> None:
    converter = sdk_converter(SdkGzipCodec(), [SdkFilesystemDriver(tmp_path)], threshold=1024)
    assert extstore._ENCODE_STORAGE_REFERENCES is False
    with marked_references():
        assert extstore._ENCODE_STORAGE_REFERENCES is True
        [marked] = await converter.encode([BIG])
    assert extstore._ENCODE_STORAGE_REFERENCES is False
    [plain] = await converter.encode([BIG])

    assert marked.metadata[MARKER] == b"true"
    assert marked.metadata["encoding"] == b"binary/gzip"  # the reference itself, encoded
    assert marked.external_payloads[0].size_bytes > 0
    assert MARKER not in plain.metadata and is_reference(plain)
    assert await converter.decode([marked]) == [BIG] == await converter.decode([plain])


# -- the dev server -----------------------------------------------------------------------------


def test_temporal_server_is_healthy(temporal_server: TemporalDevServer) -> None:
    assert temporal_server.address.startswith("127.0.0.1:")
    result = temporal_server.cli("operator", "cluster", "health")
    assert "SERVING" in result.stdout
    assert temporal_server.ui_url is None


def test_dev_server_with_ui_and_namespace_stops_cleanly(make_temporal_server) -> None:
    server = make_temporal_server(ui=True, namespaces=["payments"])
    assert server.ui_url == f"http://127.0.0.1:{server.ui_port}"
    with urllib.request.urlopen(server.ui_url, timeout=10) as response:
        assert response.status == 200
    server.cli("operator", "namespace", "describe", "-n", "payments")
    pid = server._proc.pid if server._proc else None
    server.stop()
    assert not server.running
    assert not port_open("127.0.0.1", server.port)
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert server.log_path.exists()


# -- the real history ----------------------------------------------------------------------------


def test_real_history_export_shape(real_history: HistoryRun) -> None:
    doc = json.loads(real_history.path.read_text())
    assert list(doc) == ["events"]
    assert doc["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    pointer = real_history.large_result_pointer()
    assert pointer.startswith(real_history.event_pointer("ActivityTaskCompleted"))
    ref = resolve_pointer(doc, pointer)
    assert ref["metadata"] == {
        "encoding": b64("json/protobuf"),
        "messageType": b64(REFERENCE_MESSAGE_TYPE),
    }
    assert int(ref["externalPayloads"][0]["sizeBytes"]) > 64 * 1024
    body = json.loads(base64.b64decode(ref["data"]))
    assert body["driverName"] == "aws.s3driver"
    assert body["claimData"]["bucket"] == real_history.profile["storage"]["bucket"]

    # Every payload is full proto JSON; the CLI's export equals the SDK's own fetch
    # (as a mapping: Go's protojson sorts map keys such as memo fields, Python's does not).
    exported = list(iter_payloads(doc))
    assert len(exported) >= 12
    assert dict(exported) == dict(iter_payloads(real_history.sdk_history))
    encodings = {base64.b64decode(p["metadata"]["encoding"]) for _, p in exported}
    assert encodings == {b"binary/gzip", b"json/protobuf", b"json/plain"}


async def test_real_history_decodes_with_the_sdk(real_history: HistoryRun) -> None:
    exp = real_history.expected
    pointer = real_history.large_result_pointer()
    assert await real_history.sdk_decode(real_history.at(pointer)) == [exp.large_result]

    steps = await real_history.sdk_decode_steps(real_history.at(pointer))
    assert steps.retrieved[0].metadata["encoding"] == b"binary/gzip"
    assert steps.decoded[0].metadata["encoding"] == b"json/plain"
    [kept] = await real_history.sdk_decode_preserving_refs(real_history.at(pointer))
    assert kept == payload_from_json(real_history.at(pointer))

    started = real_history.events("WorkflowExecutionStarted")[0][
        "workflowExecutionStartedEventAttributes"
    ]
    assert await real_history.sdk_decode(started["input"]) == [exp.input]
    memo = {k: (await real_history.sdk_decode(v))[0] for k, v in started["memo"]["fields"].items()}
    assert memo == exp.memo
    sa = started["searchAttributes"]["indexedFields"]
    assert {k: (await real_history.sdk_decode(v))[0] for k, v in sa.items()} == (
        exp.search_attributes
    )

    signaled = real_history.events("WorkflowExecutionSignaled")[0]
    signal_input = signaled["workflowExecutionSignaledEventAttributes"]["input"]
    assert await real_history.sdk_decode(signal_input) == [exp.signal_arg]

    accepted = real_history.events("WorkflowExecutionUpdateAccepted")[0][
        "workflowExecutionUpdateAcceptedEventAttributes"
    ]
    update_args = accepted["acceptedRequest"]["input"]["args"]
    assert await real_history.sdk_decode(update_args) == [exp.update_arg]
    completed = real_history.events("WorkflowExecutionUpdateCompleted")[0]
    outcome = completed["workflowExecutionUpdateCompletedEventAttributes"]["outcome"]
    assert await real_history.sdk_decode(outcome["success"]) == [exp.update_result]

    failed = real_history.events("ActivityTaskFailed")[0]["activityTaskFailedEventAttributes"]
    failure = failed["failure"]
    assert failure["message"] == exp.failure_message
    info = failure["applicationFailureInfo"]
    assert info["type"] == exp.failure_type and info["nonRetryable"] is True
    assert await real_history.sdk_decode(info["details"]) == exp.failure_details

    done = real_history.events("WorkflowExecutionCompleted")[0]
    result = done["workflowExecutionCompletedEventAttributes"]["result"]
    assert await real_history.sdk_decode(result) == [exp.result]


async def test_cli_history_export_has_no_shorthand(
    real_history: HistoryRun, temporal_server: TemporalDevServer
) -> None:
    args = export_history_args(real_history.workflow_id, real_history.run_id)
    plain = await temporal_server.acli(*args)
    no_shorthand = await temporal_server.acli(*args, "--no-json-shorthand-payloads")
    assert plain.stdout == no_shorthand.stdout
    assert json.loads(plain.stdout) == real_history.history
