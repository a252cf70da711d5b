"""The sample workflow behind every real history the tests read.

Deterministic and sandbox-friendly: this module imports only the standard library and
``temporalio`` (which the sandbox passes through), so the workflow sandbox can re-import
it. Keep it that way — importing other ``tests.support`` modules here would drag moto,
boto and friends into the sandbox.

What one run puts in its history (``make_real_history`` drives it):

- ``WorkflowExecutionStarted``: ``input`` (a ``SampleInput``), ``memo`` (set by the
  client), optionally a ``searchAttributes`` keyword (never codec-encoded);
- ``WorkflowExecutionSignaled`` ``approve`` with a small dict;
- ``WorkflowExecutionUpdateAccepted``/``Completed`` ``set_priority`` (an int in, a str out);
- ``ActivityTaskScheduled``/``Completed`` ``inspector_large_report``: a LARGE result
  (pseudo-random but deterministic JSON with unicode, ``large_bytes`` long before
  encoding, hard to compress) — over the storage threshold, so it becomes a reference;
- ``ActivityTaskFailed`` ``inspector_reject_order``: a non-retryable ``ApplicationError``
  with ``details`` (the workflow catches it and goes on);
- ``WorkflowExecutionCompleted`` with a small result.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

UNICODE_WORDS = (
    "café",
    "naïve",
    "Zürich",
    "東京",
    "Ελληνικά",
    "дом",
    "smörgåsbord",
    "Straße",
    "København",
    "🚀 launch",
    "✓ ok",
    "مرحبا",
)

REJECTION_TYPE = "OrderRejected"


@dataclass
class SampleInput:
    customer: str
    order_id: str
    items: list[str] = field(default_factory=list)
    large_bytes: int = 600_000
    seed: int = 7


@dataclass
class LargeReportArgs:
    seed: int
    target_bytes: int


@dataclass
class RejectArgs:
    order_id: str
    reason: str


def make_large_report(seed: int, target_bytes: int) -> dict[str, Any]:
    """Deterministic, poorly compressible JSON-able dict of at least ``target_bytes``
    (measured as compact UTF-8 JSON). Hex digests and random hex defeat gzip's
    dictionary, so gzip keeps more than half of it."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    size = 64
    while size < target_bytes:
        n = len(rows)
        row = {
            "n": n,
            "id": hashlib.sha256(f"{seed}:{n}".encode()).hexdigest(),
            "label": f"{rng.choice(UNICODE_WORDS)} #{n}",
            "score": round(rng.random() * 1000, 3),
            "blob": rng.getrandbits(256).to_bytes(32, "big").hex(),
        }
        rows.append(row)
        size += len(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode()) + 1
    return {"seed": seed, "title": "Inspector large report — größe ✓", "rows": rows}


def rejection_details(args: RejectArgs) -> list[Any]:
    return [
        {"order_id": args.order_id, "reason": args.reason, "limits": [100, 250.5]},
        "second detail — ünïcödé ✓",
    ]


@activity.defn(name="inspector_large_report")
async def large_report(args: LargeReportArgs) -> dict[str, Any]:
    return make_large_report(args.seed, args.target_bytes)


@activity.defn(name="inspector_reject_order")
async def reject_order(args: RejectArgs) -> str:
    raise ApplicationError(
        f"order {args.order_id} rejected: {args.reason}",
        *rejection_details(args),
        type=REJECTION_TYPE,
        non_retryable=True,
    )


ACTIVITIES = [large_report, reject_order]


@workflow.defn(name="InspectorSampleWorkflow")
class InspectorSampleWorkflow:
    def __init__(self) -> None:
        self._approval: dict[str, Any] | None = None
        self._priority: int | None = None

    @workflow.run
    async def run(self, inp: SampleInput) -> dict[str, Any]:
        await workflow.wait_condition(
            lambda: self._approval is not None and self._priority is not None,
            timeout=timedelta(minutes=2),
        )
        assert self._approval is not None
        report = await workflow.execute_activity(
            large_report,
            LargeReportArgs(seed=inp.seed, target_bytes=inp.large_bytes),
            start_to_close_timeout=timedelta(seconds=60),
        )
        rejection: dict[str, Any] | None = None
        try:
            await workflow.execute_activity(
                reject_order,
                RejectArgs(order_id=inp.order_id, reason="over limit"),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError):
                rejection = {
                    "type": cause.type,
                    "message": cause.message,
                    "details": list(cause.details),
                }
            else:
                rejection = {"type": None, "message": str(cause), "details": []}
        return {
            "customer": inp.customer,
            "order_id": inp.order_id,
            "items": len(inp.items),
            "approved_by": self._approval.get("by"),
            "priority": self._priority,
            "report_rows": len(report["rows"]),
            "report_first_id": report["rows"][0]["id"] if report["rows"] else None,
            "rejection": rejection,
        }

    @workflow.signal(name="approve")
    def approve(self, approval: dict[str, Any]) -> None:
        self._approval = approval

    @workflow.update(name="set_priority")
    def set_priority(self, level: int) -> str:
        self._priority = level
        return f"priority set to {level}"


# -- a run and its retry: an activity that fails once ------------------------------------

CHARGE_DECLINED = "CardDeclined"
_charges_seen: set[str] = set()  # order ids whose charge failed once in this worker process


@dataclass
class ChargeInput:
    order_id: str
    amount: float
    customer: str


@activity.defn(name="inspector_charge")
async def charge(inp: ChargeInput) -> dict[str, Any]:
    """Declines an order's first charge in this process, then accepts every attempt: the
    first run of an order retries once, a later run of the same order does not."""
    attempt = activity.info().attempt
    if inp.order_id not in _charges_seen:
        _charges_seen.add(inp.order_id)
        raise ApplicationError(f"card declined for {inp.order_id}", type=CHARGE_DECLINED)
    return {"order_id": inp.order_id, "charged": inp.amount, "attempt": attempt}


@workflow.defn(name="InspectorRetryWorkflow")
class InspectorRetryWorkflow:
    @workflow.run
    async def run(self, inp: ChargeInput) -> dict[str, Any]:
        receipt = await workflow.execute_activity(
            charge,
            inp,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=100), maximum_attempts=3
            ),
        )
        return {"customer": inp.customer, "receipt": receipt}
