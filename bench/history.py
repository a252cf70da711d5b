"""A big workflow history export for the GUI benchmark, made by the real SDK's converter.

About 5,000 payloads: a workflow input and result and, per activity, its input and result,
all through the SDK's ``DataConverter`` with our gzip codec and ``ExternalStorage`` over our
filesystem driver (the SDK drives it like any ``StorageDriver``). One payload in
``REFERENCE_EVERY`` is large enough to be offloaded, so a few hundred are references to
blobs in the store. The file has the shape of ``temporal workflow show -o json``:
``{"events": [...]}`` in proto JSON.

Usage: ``python -m bench.history OUT.json STORE_DIR [--payloads N]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from temporalio.api.common.v1 import ActivityType, Payloads, WorkflowType
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import (
    ActivityTaskCompletedEventAttributes,
    ActivityTaskScheduledEventAttributes,
    ActivityTaskStartedEventAttributes,
    History,
    HistoryEvent,
    WorkflowExecutionCompletedEventAttributes,
    WorkflowExecutionStartedEventAttributes,
)
from temporalio.api.taskqueue.v1 import TaskQueue

from bench import bodies
from inspector.storage.filesystem import FilesystemDriver

PAYLOADS = 5000
INLINE_GZIP_BYTES = 15 * 1024  # ~20 KB of base64 each: ~100 MB for 5,000
REFERENCE_GZIP_BYTES = 48 * 1024
THRESHOLD = 32 * 1024  # between the two: only the large ones are offloaded
REFERENCE_EVERY = 16  # ~310 references among 5,000 payloads
BATCH = 100


def config_toml(store: Path) -> str:
    """The profile that reads this history: gzip, and the filesystem store it was written to."""
    return f"""[profiles.default]
namespaces = ["*"]
codecs = ["gzip"]
[profiles.default.storage]
driver = "filesystem"
path = {json.dumps(str(store))}
threshold = {THRESHOLD}
"""


def _values(count: int) -> list[Any]:
    small = bodies.value_of_size(11, INLINE_GZIP_BYTES)
    large = bodies.value_of_size(12, REFERENCE_GZIP_BYTES)
    values: list[Any] = []
    for i in range(count):
        base = large if i % REFERENCE_EVERY == REFERENCE_EVERY - 1 else small
        value = list(base)
        value[0] = bodies.record(random.Random(i), i)  # every payload distinct
        values.append(value)
    return values


async def _payloads(count: int, store: Path) -> list[Payloads]:
    converter = bodies.converter([FilesystemDriver(store)], threshold=THRESHOLD)
    values = _values(count)
    encoded: list[Payloads] = []
    for start in range(0, count, BATCH):
        for p in await converter.encode(values[start : start + BATCH]):
            encoded.append(Payloads(payloads=[p]))
    return encoded


def _event(
    event_id: int, at: datetime, event_type: EventType.ValueType, **attributes: Any
) -> HistoryEvent:
    event = HistoryEvent(event_id=event_id, event_type=event_type, task_id=1_048_576 + event_id)
    event.event_time.FromDatetime(at)
    for name, value in attributes.items():
        getattr(event, name).CopyFrom(value)
    return event


def build_history(payloads: list[Payloads]) -> History:
    """Workflow start (first payload), activities (input, result), completion (last)."""
    at = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    queue = TaskQueue(name="orders")
    events = [
        _event(
            1,
            at,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
            workflow_execution_started_event_attributes=WorkflowExecutionStartedEventAttributes(
                workflow_type=WorkflowType(name="OrderBatch"), task_queue=queue, input=payloads[0]
            ),
        )
    ]
    middle = payloads[1:-1]
    for k in range(0, len(middle) - 1, 2):
        scheduled = len(events) + 1
        at += timedelta(milliseconds=40)
        events.append(
            _event(
                scheduled,
                at,
                EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
                activity_task_scheduled_event_attributes=ActivityTaskScheduledEventAttributes(
                    activity_id=str(k // 2 + 1),
                    activity_type=ActivityType(name="price_order"),
                    task_queue=queue,
                    input=middle[k],
                ),
            )
        )
        events.append(
            _event(
                scheduled + 1,
                at,
                EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
                activity_task_started_event_attributes=ActivityTaskStartedEventAttributes(
                    scheduled_event_id=scheduled, attempt=1
                ),
            )
        )
        events.append(
            _event(
                scheduled + 2,
                at,
                EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
                activity_task_completed_event_attributes=ActivityTaskCompletedEventAttributes(
                    result=middle[k + 1],
                    scheduled_event_id=scheduled,
                    started_event_id=scheduled + 1,
                ),
            )
        )
    events.append(
        _event(
            len(events) + 1,
            at,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
            workflow_execution_completed_event_attributes=WorkflowExecutionCompletedEventAttributes(
                result=payloads[-1]
            ),
        )
    )
    return History(events=events)


def write_history(out: Path, store: Path, count: int = PAYLOADS) -> dict[str, int]:
    """Write the export and its blobs; returns payload and reference counts and the size."""
    store.mkdir(parents=True, exist_ok=True)
    payloads = asyncio.run(_payloads(count, store))
    history = build_history(payloads)
    document = json_format.MessageToDict(history)
    out.write_text(json.dumps(document, indent=2), encoding="utf-8")
    references = sum(1 for p in payloads if p.payloads[0].external_payloads)
    return {"payloads": len(payloads), "references": references, "file_bytes": out.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("store", type=Path)
    parser.add_argument("--payloads", type=int, default=PAYLOADS)
    args = parser.parse_args()
    print(json.dumps(write_history(args.out, args.store, args.payloads)))


if __name__ == "__main__":
    main()
