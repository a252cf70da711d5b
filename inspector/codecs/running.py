"""Running a codec over a batch where the bounds say it may run, one outcome per payload.

The pipeline's one codec runner. A CPU codec runs on the event loop for a small batch and in
a worker thread for a large one, under the allowances of ``inspector.limits``; a codec that
may wait (remote, user codecs) gets the batch in one call. Either way, when a batch fails,
each payload is run alone so every payload keeps its own result or error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from temporalio.api.common.v1 import Payload

from inspector import limits

# From this much payload data on, a CPU codec's batch runs in a worker thread.
THREAD_MIN_BYTES = 64 * 1024

CodecResult = Payload | Exception


async def run_cpu(
    run: Callable[[Sequence[Payload]], list[Payload]], batch: list[Payload]
) -> list[CodecResult]:
    """A CPU codec over ``batch``, one payload at a time, where the bounds say it may run.

    A small batch runs right here on the event loop, where it costs less than the trip to a
    thread; a large one runs in a worker thread, so the loop stays free and (de)compression
    runs mostly on another core (see ``inspector.codecs.cpu``). What inflates past the
    allowance of where it runs (``inspector.limits``) is run again further on: in a thread,
    then, once the operation holds the gate, without an allowance.
    """
    inline = sum(len(p.data) for p in batch) < THREAD_MIN_BYTES
    results: list[CodecResult] = _run_each(run, batch, limits.inline_allowance()) if inline else []
    while len(results) < len(batch):
        rest = batch[len(results) :]
        results += await asyncio.to_thread(_run_each, run, rest, limits.LARGE_OPERATION_BYTES)
        if len(results) == len(batch):
            break
        budget = limits.current_budget()
        if budget is not None:
            try:
                await limits.hold_gate(budget)
            except limits.GateBusy as busy:
                results += [busy] * (len(batch) - len(results))
    return results


def _run_each(
    run: Callable[[Sequence[Payload]], list[Payload]], batch: list[Payload], allowance: int
) -> list[CodecResult]:
    """Each payload alone, keeping each one's error; stops early where the allowance ends
    (the rest is run again elsewhere), so nothing is inflated twice but that one payload."""
    outcomes: list[CodecResult] = []
    with limits.allowance(allowance):
        for payload in batch:
            try:
                [result] = run([payload])
            except limits.AllowanceExceeded:
                break
            except Exception as e:
                outcomes.append(_without_frames(e))
            else:
                outcomes.append(result)
    return outcomes


async def run_async(
    run: Callable[[Sequence[Payload]], Awaitable[list[Payload]]], batch: list[Payload]
) -> list[CodecResult]:
    """A codec that may wait (remote, user codecs): the batch at once, as one call to a
    remote server; if that fails, each payload alone, keeping each one's error."""
    try:
        results = await run(batch)
        _check_count(results, batch)
        return list(results)
    except Exception:
        outcomes: list[CodecResult] = []
        for payload in batch:
            try:
                [result] = await run([payload])
            except Exception as e:
                outcomes.append(_without_frames(e))
            else:
                outcomes.append(result)
        return outcomes


def _without_frames(error: Exception) -> Exception:
    """The error, and the errors it was raised from, without tracebacks.

    Kept in a results list, a traceback would hold the frame that holds that list (a frame
    keeps its caller's frame too): a cycle that keeps every decoded payload of the batch
    alive until the cyclic collector runs, which the GUI defers.
    """
    pending: list[BaseException] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
    return error


def _check_count(results: Sequence[Payload], batch: Sequence[Payload]) -> None:
    if len(results) != len(batch):
        raise ValueError(f"returned {len(results)} payloads for {len(batch)}")
