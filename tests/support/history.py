"""Real workflow histories: a real worker with a real ``DataConverter`` runs
``InspectorSampleWorkflow`` on the dev server, and the real CLI exports the history.

``temporal workflow show -o json`` (CLI 1.9.1) writes ``{"events": [...]}`` in plain proto
JSON (camelCase field names, int64 as strings, enums as ``EVENT_TYPE_…``), and every
payload in full: ``{"metadata": {"encoding": "<base64>", …}, "data": "<base64>"}`` plus
``"externalPayloads": [{"sizeBytes": "<n>"}]`` on storage references. It never uses the
CLI's JSON "shorthand" for payloads (``--no-json-shorthand-payloads`` changes nothing
there), unlike e.g. ``temporal workflow describe -o json``, whose memo comes out as raw
JSON values. See ``tests/unit/test_support_smoke.py`` for a pasted event.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.client import Client, WorkflowHistory
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporalio.converter import DataConverter, ExternalStorage, PayloadCodec, StorageDriver
from temporalio.worker import Worker

from tests.support.temporal_server import TemporalDevServer
from tests.support.workflows import (
    ACTIVITIES,
    REJECTION_TYPE,
    InspectorSampleWorkflow,
    RejectArgs,
    SampleInput,
    make_large_report,
    rejection_details,
)

ConverterFactory = Callable[[], AbstractAsyncContextManager[DataConverter]]

SEARCH_ATTRIBUTE = "InspectorTag"
REFERENCE_MESSAGE_TYPE = "temporal.api.sdk.v1.ExternalStorageReference"


def sdk_converter(
    codec: PayloadCodec | None,
    storage_drivers: Sequence[StorageDriver] | None,
    threshold: int = 256 * 1024,
    *,
    driver_selector: Callable[..., StorageDriver | None] | None = None,
) -> DataConverter:
    """The SDK's default ``DataConverter`` with ``codec`` and external storage.

    No drivers → no external storage. Several drivers and no selector → the first one
    stores, all of them can retrieve.
    """
    storage = None
    if storage_drivers:
        drivers = list(storage_drivers)
        if len(drivers) > 1 and driver_selector is None:
            first = drivers[0]

            def driver_selector(_ctx: Any, _payload: Payload) -> StorageDriver | None:
                return first

        storage = ExternalStorage(
            drivers=drivers,
            driver_selector=driver_selector,
            payload_size_threshold=threshold,
        )
    return dataclasses.replace(DataConverter.default, payload_codec=codec, external_storage=storage)


# -- JSON documents ----------------------------------------------------------------------


def resolve_pointer(doc: Any, pointer: str) -> Any:
    """RFC 6901 JSON pointer lookup (``""`` is the whole document)."""
    if pointer == "":
        return doc
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    node = doc
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def is_payload_json(value: Any) -> bool:
    """A proto-JSON ``Payload``: an object whose ``metadata`` holds ``encoding``."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("metadata"), dict)
        and "encoding" in value["metadata"]
    )


def iter_payloads(doc: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every proto-JSON payload in ``doc`` with its JSON pointer, in document order.
    (CLI "shorthand" payloads — raw JSON values — are not recognisable this way.)"""
    if is_payload_json(doc):
        yield pointer, doc
        return
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from iter_payloads(
                value, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"
            )
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from iter_payloads(value, f"{pointer}/{i}")


def payload_from_json(value: dict[str, Any] | Payload) -> Payload:
    if isinstance(value, Payload):
        return value
    if not is_payload_json(value):
        raise ValueError(
            "not a proto-JSON payload (a CLI shorthand value?): " + json.dumps(value)[:200]
        )
    return json_format.ParseDict(value, Payload())


def payloads_from_json(value: Any) -> list[Payload]:
    """A payload, a list of payloads, or a ``{"payloads": [...]}`` object → ``Payload``s."""
    if isinstance(value, Payloads):
        return list(value.payloads)
    if isinstance(value, Payload) or is_payload_json(value):
        return [payload_from_json(value)]
    if isinstance(value, dict) and "payloads" in value:
        return [payload_from_json(p) for p in value["payloads"]]
    if isinstance(value, list):
        return [payload_from_json(p) for p in value]
    raise ValueError(f"no payloads in {type(value).__name__}")


def is_reference(payload: Payload) -> bool:
    """An un-marked (plain) storage reference, recognised by metadata."""
    encoding = payload.metadata.get("encoding")
    return encoding == b"json/external-storage-reference" or (
        encoding == b"json/protobuf"
        and payload.metadata.get("messageType") == REFERENCE_MESSAGE_TYPE.encode()
    )


# -- the run -------------------------------------------------------------------------------


WORKER_IDENTITY = "inspector-sample-worker"


@dataclass
class ExpectedValues:
    """What the SDK must decode each payload of the sample history to (JSON values)."""

    input: dict[str, Any]
    memo: dict[str, Any]
    search_attributes: dict[str, Any]
    signal_arg: dict[str, Any]
    update_arg: int
    update_result: str
    large_args: dict[str, Any]
    large_result: dict[str, Any]
    reject_args: dict[str, Any]
    failure_message: str
    failure_type: str
    failure_details: list[Any]
    result: dict[str, Any]


@dataclass
class SdkDecodeSteps:
    """The SDK's own decode steps for a sequence of payloads (the oracle)."""

    references_decoded: list[Payload]  # _decode_reference_payload_sequence
    retrieved: list[Payload]  # _external_retrieve_payload_sequence
    decoded: list[Payload]  # _decode_payload_sequence


@dataclass
class HistoryRun:
    path: Path  # history.json, as `temporal workflow show -o json` wrote it
    workflow_id: str
    run_id: str
    namespace: str
    task_queue: str
    history: dict[str, Any]
    sdk_history: dict[str, Any]  # handle.fetch_history().to_json_dict()
    expected: ExpectedValues
    data_converter: DataConverter
    converter_factory: ConverterFactory | None = None
    # The inspector profile that reads this history (the README's config keys), when known.
    profile: dict[str, Any] = dataclasses.field(default_factory=dict)

    # -- navigation --

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Events, optionally of one type, e.g. ``"EVENT_TYPE_ACTIVITY_TASK_COMPLETED"``
        or ``"ActivityTaskCompleted"``."""
        events = self.history["events"]
        if event_type is None:
            return list(events)
        wanted = _event_type_name(event_type)
        return [e for e in events if _event_type_name(e["eventType"]) == wanted]

    def event_pointer(self, event_type: str, index: int = 0) -> str:
        """JSON pointer of the ``index``-th event of that type."""
        wanted = _event_type_name(event_type)
        events = self.history["events"]
        positions = [i for i, e in enumerate(events) if _event_type_name(e["eventType"]) == wanted]
        return f"/events/{positions[index]}"

    def at(self, pointer: str) -> Any:
        return resolve_pointer(self.history, pointer)

    def payloads(self) -> list[tuple[str, dict[str, Any]]]:
        """Every payload of the export with its JSON pointer."""
        return list(iter_payloads(self.history))

    def large_result_pointer(self) -> str:
        """Pointer of the activity result that went to external storage."""
        for pointer in self._completed_result_pointers():
            if is_reference(payload_from_json(self.at(pointer))):
                return pointer
        raise LookupError("no stored activity result in this history")

    def _completed_result_pointers(self) -> Iterator[str]:
        for i, event in enumerate(self.history["events"]):
            attrs = event.get("activityTaskCompletedEventAttributes")
            if attrs and attrs.get("result"):
                for j in range(len(attrs["result"]["payloads"])):
                    yield f"/events/{i}/activityTaskCompletedEventAttributes/result/payloads/{j}"

    # -- the SDK as oracle --

    @contextlib.asynccontextmanager
    async def open_converter(self) -> AsyncIterator[DataConverter]:
        """A converter usable in the *current* event loop (fresh S3 clients when the run
        has a factory; the stored ``data_converter`` otherwise)."""
        if self.converter_factory is None:
            yield self.data_converter
            return
        async with self.converter_factory() as converter:
            yield converter

    async def sdk_decode(self, payloads: Any, type_hints: list[type] | None = None) -> list[Any]:
        """``DataConverter.decode`` on payloads (proto or proto JSON: one payload, a list,
        or ``{"payloads": [...]}``)."""
        async with self.open_converter() as converter:
            return await converter.decode(payloads_from_json(payloads), type_hints)

    async def sdk_decode_steps(self, payloads: Any) -> SdkDecodeSteps:
        """The SDK's three decode steps, each result kept (test-only use of private API)."""
        items = payloads_from_json(payloads)
        async with self.open_converter() as converter:
            refs = await converter._decode_reference_payload_sequence(items)
            retrieved = await converter._external_retrieve_payload_sequence(refs)
            decoded = await converter._decode_payload_sequence(retrieved)
        return SdkDecodeSteps(list(refs), list(retrieved), list(decoded))

    async def sdk_decode_preserving_refs(self, payloads: Any) -> list[Payload]:
        """Oracle for ``preserve_refs=True``: references come back as plain references
        (marked ones codec-decoded), everything else codec-decoded."""
        items = payloads_from_json(payloads)
        async with self.open_converter() as converter:
            refs = await converter._decode_reference_payload_sequence(items)
            out: list[Payload] = []
            for payload in refs:
                if is_reference(payload):
                    out.append(payload)
                else:
                    out.extend(await converter._decode_payload_sequence([payload]))
        return out


def _event_type_name(name: str) -> str:
    """``EVENT_TYPE_ACTIVITY_TASK_COMPLETED`` or ``ActivityTaskCompleted`` →
    ``activitytaskcompleted``."""
    name = name.removeprefix("EVENT_TYPE_")
    return name.replace("_", "").lower()


def export_history_args(workflow_id: str, run_id: str | None = None) -> list[str]:
    """CLI arguments exporting a history as JSON (add ``--address`` etc.)."""
    args = ["workflow", "show", "--workflow-id", workflow_id, "-o", "json"]
    return args + (["--run-id", run_id] if run_id else [])


def sample_values(
    *, large_bytes: int, seed: int = 7, search_attribute: bool = True
) -> tuple[SampleInput, ExpectedValues]:
    inp = SampleInput(
        customer="Zoë Ünterberg",
        order_id="ORDER-4711",
        items=["widget", "gadget ✓", "ガジェット"],
        large_bytes=large_bytes,
        seed=seed,
    )
    memo = {
        "team": "payments",
        "ticket": "INS-42",
        "note": "memo ✓ ünïcödé",
        "nested": {"a": [1, 2, 3], "b": None},
    }
    signal_arg = {"by": "reviewer@example.com", "comment": "looks good — 👍"}
    update_arg = 3
    reject = RejectArgs(order_id=inp.order_id, reason="over limit")
    large_args = {"seed": seed, "target_bytes": large_bytes}
    large_result = make_large_report(seed, large_bytes)
    details = rejection_details(reject)
    failure_message = f"order {reject.order_id} rejected: {reject.reason}"
    result = {
        "customer": inp.customer,
        "order_id": inp.order_id,
        "items": len(inp.items),
        "approved_by": signal_arg["by"],
        "priority": update_arg,
        "report_rows": len(large_result["rows"]),
        "report_first_id": large_result["rows"][0]["id"],
        "rejection": {"type": REJECTION_TYPE, "message": failure_message, "details": details},
    }
    expected = ExpectedValues(
        input=dataclasses.asdict(inp),
        memo=memo,
        search_attributes={SEARCH_ATTRIBUTE: "sample"} if search_attribute else {},
        signal_arg=signal_arg,
        update_arg=update_arg,
        update_result=f"priority set to {update_arg}",
        large_args=large_args,
        large_result=large_result,
        reject_args=dataclasses.asdict(reject),
        failure_message=failure_message,
        failure_type=REJECTION_TYPE,
        failure_details=details,
        result=result,
    )
    return inp, expected


async def make_real_history(
    server: TemporalDevServer,
    tmp_dir: str | Path,
    data_converter: DataConverter,
    *,
    namespace: str = "default",
    converter_factory: ConverterFactory | None = None,
    large_bytes: int = 600_000,
    seed: int = 7,
    timeout: float = 120.0,  # noqa: ASYNC109 - bounded by default, on purpose
) -> HistoryRun:
    """Run ``InspectorSampleWorkflow`` with ``data_converter`` on ``server`` and export its
    history with the CLI to ``<tmp_dir>/history.json``.

    ``data_converter`` must be usable in the current event loop for the whole call.
    ``converter_factory`` (optional) opens an equivalent converter in any later loop;
    ``HistoryRun.sdk_decode`` needs it when the converter holds loop-bound clients (S3).
    The search attribute ``InspectorTag`` is set when the server registered it.
    ``timeout`` bounds the run (connect, worker, workflow); the export has its own 60 s.
    """
    tmp = Path(tmp_dir)
    await asyncio.to_thread(tmp.mkdir, parents=True, exist_ok=True)
    suffix = uuid.uuid4().hex[:12]
    workflow_id = f"inspector-sample-{suffix}"
    task_queue = f"inspector-tq-{suffix}"
    use_sa = server.search_attributes.get(SEARCH_ATTRIBUTE, "").lower() == "keyword"
    inp, expected = sample_values(large_bytes=large_bytes, seed=seed, search_attribute=use_sa)

    search_attributes = (
        TypedSearchAttributes(
            [SearchAttributePair(SearchAttributeKey.for_keyword(SEARCH_ATTRIBUTE), "sample")]
        )
        if use_sa
        else None
    )
    async with asyncio.timeout(timeout):
        # A neutral identity: histories (and screenshots of them) carry it, not this host's name.
        client = await Client.connect(
            server.address,
            namespace=namespace,
            data_converter=data_converter,
            identity=WORKER_IDENTITY,
        )
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[InspectorSampleWorkflow],
            activities=ACTIVITIES,
            max_concurrent_workflow_tasks=2,
            max_concurrent_activities=2,
        ):
            handle = await client.start_workflow(
                InspectorSampleWorkflow.run,
                inp,
                id=workflow_id,
                task_queue=task_queue,
                memo=expected.memo,
                search_attributes=search_attributes,
                execution_timeout=timedelta(seconds=timeout * 2),
            )
            await handle.signal(InspectorSampleWorkflow.approve, expected.signal_arg)
            update_result = await handle.execute_update(
                InspectorSampleWorkflow.set_priority, expected.update_arg
            )
            result = await handle.result()
            run_id = handle.result_run_id or handle.run_id or ""
            sdk_history = (await handle.fetch_history()).to_json_dict()
    if update_result != expected.update_result or result != expected.result:
        raise AssertionError(f"sample workflow returned {result!r} / {update_result!r}")

    shown = await server.acli(
        *export_history_args(workflow_id, run_id), namespace=namespace, timeout=60
    )
    path = tmp / "history.json"
    await asyncio.to_thread(path.write_bytes, shown.stdout)
    history = json.loads(shown.stdout)
    # The SDK must accept the CLI's export as a history (replayer input).
    WorkflowHistory.from_json(workflow_id, history)

    return HistoryRun(
        path=path,
        workflow_id=workflow_id,
        run_id=run_id,
        namespace=namespace,
        task_queue=task_queue,
        history=history,
        sdk_history=sdk_history,
        expected=expected,
        data_converter=data_converter,
        converter_factory=converter_factory,
    )


# -- the standard session history: gzip codec + the SDK's S3 driver on moto ------------

REAL_HISTORY_THRESHOLD = 64 * 1024


def s3_gzip_converter_factory(
    endpoint_url: str, bucket: str, threshold: int = REAL_HISTORY_THRESHOLD
) -> ConverterFactory:
    """Opens ``sdk_converter(SdkGzipCodec(), [SDK S3 driver], threshold)`` in the current
    event loop."""
    from tests.support.s3 import sdk_s3_driver
    from tests.support.sdk_codecs import SdkGzipCodec

    @contextlib.asynccontextmanager
    async def open_converter() -> AsyncIterator[DataConverter]:
        async with sdk_s3_driver(endpoint_url, bucket) as driver:
            yield sdk_converter(SdkGzipCodec(), [driver], threshold)

    return open_converter


async def make_s3_gzip_history(
    server: TemporalDevServer,
    endpoint_url: str,
    bucket: str,
    tmp_dir: str | Path,
    *,
    threshold: int = REAL_HISTORY_THRESHOLD,
    **kwargs: Any,
) -> HistoryRun:
    """``make_real_history`` with the gzip codec and the SDK's S3 driver (``bucket`` must
    exist). ``HistoryRun.profile`` describes the matching inspector profile."""
    factory = s3_gzip_converter_factory(endpoint_url, bucket, threshold)
    async with factory() as converter:
        run = await make_real_history(
            server, tmp_dir, converter, converter_factory=factory, **kwargs
        )
    run.profile = {
        "namespaces": [run.namespace],
        "codecs": ["gzip"],
        "storage": {
            "driver": "s3",
            "bucket": bucket,
            "endpoint_url": endpoint_url,
            "region": "us-east-1",
            "threshold": threshold,
        },
    }
    return run
