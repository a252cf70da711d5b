"""The one pipeline every face uses: encode, decode (with or without retrieval), download.

It mirrors the SDK's ``DataConverter`` order (post-storage codecs, marked references,
retrieval, pre-storage codecs) but drives ``StorageDriver.retrieve`` itself, so each payload
gets its own outcome instead of one failure sinking the batch. No Qt and no HTTP here.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    PayloadCodec,
    StorageDriver,
    StorageDriverClaim,
    StorageDriverRetrieveContext,
    StorageDriverStoreContext,
)

from inspector import limits
from inspector.codecs.chain import observing
from inspector.codecs.cpu import is_cpu_codec
from inspector.codecs.running import run_async, run_cpu
from inspector.errors import first_line
from inspector.outcomes import ErrorKind, Outcome, PayloadError, PipelineError, Stage
from inspector.references import (
    REFERENCE_MARKER_KEY,
    Reference,
    ReferenceFormatError,
    is_marked,
    is_plain_reference,
    make_reference_payload,
    parse_reference,
)
from inspector.storage.cache import BlobCache, scoped_key
from inspector.storage.errors import StorageError

if TYPE_CHECKING:
    from inspector.layers import Trace

# Drivers that check the claim's hash on the raw bytes themselves (ours, and the SDK's S3).
SELF_VERIFYING_TYPES = frozenset({"local.filesystem", "aws.s3driver"})
MAX_CONCURRENT_RETRIEVALS = 16

_T = TypeVar("_T")


class _Failed(Exception):
    """Internal: carries one payload's error out of a step."""

    def __init__(self, error: PayloadError) -> None:
        super().__init__(error.message)
        self.error = error


class Pipeline:
    """A profile made runnable: codec chains, drivers by name, threshold, cache."""

    def __init__(
        self,
        *,
        name: str = "default",
        codec: PayloadCodec | None = None,
        codec_label: str = "codec",
        proxy_codec: PayloadCodec | None = None,
        proxy_label: str = "proxy codec",
        drivers: Sequence[StorageDriver] = (),
        timeouts: Mapping[str, float] | None = None,
        threshold: int = 256 * 1024,
        mark_references: bool = False,
        cache: BlobCache | None = None,
        max_decoded_bytes: int | None = limits.DEFAULT_MAX_DECODED_BYTES,
        encode_headers: bool = False,
    ) -> None:
        self.name = name
        self.codec = codec
        self.codec_label = codec_label
        self.proxy_codec = proxy_codec
        self.proxy_label = proxy_label
        self.drivers: dict[str, StorageDriver] = {d.name(): d for d in drivers}
        self.timeouts = dict(timeouts or {})
        self.threshold = threshold
        self.mark_references = mark_references
        self.cache = cache
        self.max_decoded_bytes = max_decoded_bytes
        # Whether the workers run headers through the codecs too (HeaderCodecBehavior.CODEC):
        # the views send a document's header fields here only then.
        self.encode_headers = encode_headers
        self._in_flight: dict[Hashable, asyncio.Future[Payload]] = {}
        self._retrieval_slots = asyncio.Semaphore(MAX_CONCURRENT_RETRIEVALS)

    @property
    def has_storage(self) -> bool:
        return bool(self.drivers)

    # ---- the three operations -------------------------------------------------------------

    async def encode(self, payloads: Sequence[Payload]) -> list[Outcome]:
        """Pre-storage codecs, offload what is at or over the threshold, post-storage codecs."""
        state = _Batch(payloads)
        await self._codec_step(state, self.codec, "encode", Stage.PRE_CODEC, self.codec_label)
        await state.each(self._offload)
        await self._codec_step(
            state, self.proxy_codec, "encode", Stage.POST_CODEC, self.proxy_label
        )
        return state.outcomes()

    async def decode(
        self,
        payloads: Sequence[Payload],
        *,
        preserve_refs: bool = False,
        trace: Trace | None = None,
    ) -> list[Outcome]:
        """What the workflow saw; with ``preserve_refs`` references stay (decoded if marked).

        The whole call is one operation for ``max_decoded_bytes`` (see ``inspector.limits``).
        ``trace`` (one payload only) records every step this decode takes with it.
        """
        if trace is not None:
            if len(payloads) != 1:
                raise ValueError("a trace follows exactly one payload")
            trace.input(payloads[0])
        state = _Batch(payloads)
        with limits.operation_budget(self.max_decoded_bytes):
            if self.proxy_codec is not None:
                await self._codec_step(
                    state,
                    self.proxy_codec,
                    "decode",
                    Stage.POST_CODEC,
                    self.proxy_label,
                    trace=trace,
                )
            # The usual batch holds no reference: its steps are not even entered (a small
            # request pays for every step it enters).
            if state.any(is_marked):
                marked = _traced(trace, state, is_marked)
                await state.each(self._unmark, only=is_marked)
                _trace_after(
                    trace, state, marked, lambda t, _, now: t.unmarked(self.codec_label, now)
                )
            if not preserve_refs and state.any(is_plain_reference):
                reference = _traced(trace, state, is_plain_reference)
                await state.each(
                    self._retrieve_if_reference, concurrent=True, only=is_plain_reference
                )
                _trace_after(trace, state, reference, self._trace_retrieved)
            await self._codec_step(
                state,
                self.codec,
                "decode",
                Stage.PRE_CODEC,
                self.codec_label,
                skip=is_plain_reference,
                trace=trace,
            )
        outcomes = state.outcomes()
        if trace is not None:
            trace.finish(outcomes[0])
        return outcomes

    async def download(self, payloads: Sequence[Payload], *, strict: bool = True) -> list[Outcome]:
        """Fetch references; ``strict`` makes any other payload an error, else it passes."""
        state = _Batch(payloads)
        passthrough = set()
        for i, payload in state.live():
            if not (is_marked(payload) or is_plain_reference(payload)):
                if strict:
                    state.fail(
                        i,
                        PayloadError(
                            ErrorKind.BAD_INPUT, Stage.INPUT, None, "not a storage reference"
                        ),
                    )
                else:
                    passthrough.add(i)
        state.hold(passthrough)
        with limits.operation_budget(self.max_decoded_bytes):
            await state.each(self._unmark, only=is_marked)
            await state.each(self._retrieve_if_reference, concurrent=True, only=is_plain_reference)
            await self._codec_step(state, self.codec, "decode", Stage.PRE_CODEC, self.codec_label)
        state.release()
        return state.outcomes()

    async def decode_strict(
        self, payloads: Sequence[Payload], *, preserve_refs: bool = False
    ) -> list[Payload]:
        """``decode`` that raises the first failure as ``PipelineError``."""
        return _strict(await self.decode(payloads, preserve_refs=preserve_refs))

    async def retrieve(self, ref: Reference) -> Payload:
        """One blob by reference, through the cache; raises ``PipelineError`` (index 0)."""
        try:
            return await self._fetch(ref)
        except _Failed as f:
            raise PipelineError(0, f.error) from None

    async def aclose(self) -> None:
        """Close what the codecs and drivers hold open (HTTP sessions, S3 clients)."""
        for obj in (self.codec, self.proxy_codec, *self.drivers.values()):
            close: Callable[[], Awaitable[None]] | None = getattr(obj, "aclose", None)
            if close is not None:
                await close()

    # ---- steps ----------------------------------------------------------------------------

    async def _codec_step(
        self,
        state: _Batch,
        codec: PayloadCodec | None,
        method: str,
        stage: Stage,
        label: str,
        skip: Callable[[Payload], bool] | None = None,
        trace: Trace | None = None,
    ) -> None:
        """Run a codec over the batch, each payload with its own result or error."""
        if codec is None:
            return
        items = state.live()
        if skip is not None:
            items = [(i, p) for i, p in items if not skip(p)]
        if not items:
            return
        batch = [p for _, p in items]
        with observing(None if trace is None else trace.codec_observer()):
            if is_cpu_codec(codec):
                results = await run_cpu(getattr(codec, f"{method}_sync"), batch)
            else:
                results = await run_async(getattr(codec, method), batch)
        for (i, _), result in zip(items, results, strict=True):
            if trace is not None:
                trace.codec_ran(stage, label, result)
            if isinstance(result, Exception):
                state.fail(i, _codec_error(result, stage, label))
            else:
                state.put(i, result)

    def _trace_retrieved(self, trace: Trace, reference: Payload, blob: Payload) -> None:
        try:
            ref = parse_reference(reference)
        except ReferenceFormatError:
            return  # it was retrieved, so it was readable; nothing to add if not
        driver = self.drivers.get(ref.driver_name)
        self_verifying = driver is not None and driver.type() in SELF_VERIFYING_TYPES
        trace.retrieved(ref, self_verifying, blob)

    async def _unmark(self, payload: Payload) -> Payload:
        """A codec-encoded (marked) reference becomes a plain one, as the SDK does it."""
        if not is_marked(payload):
            return payload
        reference = payload
        if self.codec is not None:
            inner = Payload()
            inner.CopyFrom(payload)
            del inner.metadata[REFERENCE_MARKER_KEY]
            del inner.external_payloads[:]
            try:
                with limits.allowance(limits.inline_allowance()):  # a reference is a few bytes
                    [reference] = await self.codec.decode([inner])
            except limits.AllowanceExceeded:
                message = "refused: a marked storage reference that inflates past 1 MiB"
                raise _Failed(
                    PayloadError(ErrorKind.LIMIT, Stage.REFERENCE, self.codec_label, message)
                ) from None
            except Exception as e:
                raise _Failed(_codec_error(e, Stage.REFERENCE, self.codec_label)) from None
        if not is_plain_reference(reference):
            raise _Failed(
                PayloadError(
                    ErrorKind.CODEC,
                    Stage.REFERENCE,
                    self.codec_label,
                    "marked storage reference did not decode to a reference: is this profile's "
                    "codec the one that wrote it?",
                )
            )
        if not reference.external_payloads:
            reference.external_payloads.extend(payload.external_payloads)
        return reference

    async def _retrieve_if_reference(self, payload: Payload) -> Payload:
        if not is_plain_reference(payload):
            return payload
        try:
            ref = parse_reference(payload)
        except ReferenceFormatError as e:
            raise _Failed(PayloadError(ErrorKind.MISSING, Stage.REFERENCE, None, str(e))) from None
        return await self._fetch(ref)

    async def _fetch(self, ref: Reference) -> Payload:
        """Retrieve through the cache, sharing one fetch among concurrent askers."""
        driver = self._driver_for(ref)
        key = scoped_key(self.name, driver, ref.cache_key)  # the claim alone says not whose
        if self.cache is not None:
            cached = self.cache.get(key)
            if cached is not None:
                _count_retrieved(driver.name(), cached)
                return cached
        pending = self._in_flight.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch_uncached(driver, ref, key))
            self._in_flight[key] = pending
            pending.add_done_callback(lambda _: self._in_flight.pop(key, None))
        result = await asyncio.shield(pending)
        _count_retrieved(driver.name(), result)
        copy = Payload()
        copy.CopyFrom(result)
        return copy

    def _driver_for(self, ref: Reference) -> StorageDriver:
        if not self.drivers:
            raise _Failed(
                PayloadError(
                    ErrorKind.NO_STORAGE,
                    Stage.RETRIEVE,
                    ref.driver_name,
                    f"profile '{self.name}' has no external storage to retrieve this reference",
                )
            )
        driver = self.drivers.get(ref.driver_name)
        if driver is None:
            raise _Failed(
                PayloadError(
                    ErrorKind.UNKNOWN_DRIVER,
                    Stage.RETRIEVE,
                    ref.driver_name,
                    f"profile '{self.name}' has no driver named '{ref.driver_name}' "
                    f"(it has: {', '.join(self.drivers)})",
                )
            )
        return driver

    async def _fetch_uncached(
        self, driver: StorageDriver, ref: Reference, key: Hashable
    ) -> Payload:
        name = driver.name()
        claim = StorageDriverClaim(claim_data=dict(ref.claim))
        async with self._retrieval_slots:
            result = await self._storage_call(
                driver,
                Stage.RETRIEVE,
                driver.retrieve(StorageDriverRetrieveContext(), [claim]),
                note=_key_note(ref),
            )
        if len(result) != 1:
            raise _Failed(
                PayloadError(
                    ErrorKind.UNREACHABLE,
                    Stage.RETRIEVE,
                    name,
                    f"driver returned {len(result)} payloads for 1 claim",
                )
            )
        payload = result[0]
        if driver.type() not in SELF_VERIFYING_TYPES:
            _verify_hash(name, ref, payload)
        if self.cache is not None:
            self.cache.put(key, payload)
        return payload

    async def _storage_call(
        self, driver: StorageDriver, stage: Stage, call: Awaitable[_T], note: str = ""
    ) -> _T:
        """One driver call bounded by its timeout; every failure becomes that payload's error."""
        name = driver.name()
        timeout = self.timeouts.get(name, 30.0)
        try:
            return await asyncio.wait_for(call, timeout)
        except TimeoutError:
            message = f"storage did not answer within {timeout:g} s{note}"
            raise _Failed(PayloadError(ErrorKind.TIMEOUT, stage, name, message)) from None
        except StorageError as e:
            raise _Failed(PayloadError(e.kind, stage, name, str(e))) from None
        except Exception as e:  # a plugin driver may raise anything; say what, keep going
            message = f"{first_line(e)}{note}"
            raise _Failed(PayloadError(ErrorKind.UNREACHABLE, stage, name, message)) from None

    async def _offload(self, payload: Payload) -> Payload:
        if not self.drivers or payload.ByteSize() < self.threshold:
            return payload
        driver = next(iter(self.drivers.values()))
        name = driver.name()
        claims = await self._storage_call(
            driver, Stage.STORE, driver.store(StorageDriverStoreContext(), [payload])
        )
        reference = make_reference_payload(
            Reference(name, dict(claims[0].claim_data), payload.ByteSize())
        )
        if not self.mark_references:
            return reference
        # The SDK marks the plain reference too before encoding it; so do we, byte for byte.
        reference.metadata[REFERENCE_MARKER_KEY] = b"true"
        if self.codec is None:
            return reference
        try:
            [marked] = await self.codec.encode([reference])
        except Exception as e:
            raise _Failed(_codec_error(e, Stage.REFERENCE, self.codec_label)) from None
        if not marked.external_payloads:
            marked.external_payloads.extend(reference.external_payloads)
        marked.metadata[REFERENCE_MARKER_KEY] = b"true"
        return marked


class _Batch:
    """Per-payload state through the steps: each is a value or an error, in input order."""

    def __init__(self, payloads: Sequence[Payload]) -> None:
        self.values: list[Payload | None] = list(payloads)
        self.errors: dict[int, PayloadError] = {}
        self.held: set[int] = set()

    def live(self) -> list[tuple[int, Payload]]:
        if not self.errors and not self.held:  # the usual batch: every payload goes on
            return [(i, p) for i, p in enumerate(self.values) if p is not None]
        return [
            (i, p)
            for i, p in enumerate(self.values)
            if p is not None and i not in self.errors and i not in self.held
        ]

    def any(self, which: Callable[[Payload], bool]) -> bool:
        """Whether a live payload is one ``which`` accepts."""
        return any(which(p) for _, p in self.live())

    def put(self, index: int, payload: Payload) -> None:
        self.values[index] = payload

    def fail(self, index: int, error: PayloadError) -> None:
        self.errors[index] = error

    def hold(self, indexes: set[int]) -> None:
        """Keep these out of the following steps (they pass through unchanged)."""
        self.held = set(indexes)

    def release(self) -> None:
        self.held = set()

    async def each(
        self,
        step: Callable[[Payload], Awaitable[Payload]],
        concurrent: bool = False,
        only: Callable[[Payload], bool] | None = None,
    ) -> None:
        """Run ``step`` on the live payloads (those ``only`` accepts; ``step`` would return
        the others unchanged, so they are not even scheduled)."""
        items = [(i, p) for i, p in self.live() if only is None or only(p)]

        async def run(index: int, payload: Payload) -> None:
            try:
                self.values[index] = await step(payload)
            except _Failed as f:
                self.fail(index, f.error)

        if concurrent:
            await asyncio.gather(*(run(i, p) for i, p in items))
        else:
            for i, p in items:
                await run(i, p)

    def outcomes(self) -> list[Outcome]:
        if not self.errors:
            return [Outcome(payload=p) for p in self.values]
        return [
            Outcome(error=self.errors[i]) if i in self.errors else Outcome(payload=p)
            for i, p in enumerate(self.values)
        ]


def _traced(trace: Trace | None, state: _Batch, which: Callable[[Payload], bool]) -> Payload | None:
    """The traced payload as it is now, when a trace is on and ``which`` holds for it."""
    payload = None if trace is None else _current(state)
    return payload if payload is not None and which(payload) else None


def _trace_after(
    trace: Trace | None,
    state: _Batch,
    before: Payload | None,
    record: Callable[[Trace, Payload, Payload], None],
) -> None:
    """After a step that ``before`` (from ``_traced``) went into: record what came out,
    unless it failed there (the trace's ``finish`` records that)."""
    if trace is None or before is None:
        return
    now = _current(state)
    if now is not None:
        record(trace, before, now)


def _current(state: _Batch) -> Payload | None:
    """The first payload as it is now, unless it failed."""
    live = state.live()
    return live[0][1] if live else None


def _strict(outcomes: list[Outcome]) -> list[Payload]:
    for i, outcome in enumerate(outcomes):
        if outcome.error is not None:
            raise PipelineError(i, outcome.error)
    return [o.payload for o in outcomes if o.payload is not None]


def _verify_hash(driver: str, ref: Reference, payload: Payload) -> None:
    """Check a plugin driver's blob against the claim's hash, when the claim carries one."""
    algorithm = ref.claim.get("hash_algorithm")
    expected = ref.claim.get("hash_value")
    if not expected:
        return
    if algorithm != "sha256":
        raise _Failed(
            PayloadError(
                ErrorKind.INTEGRITY,
                Stage.RETRIEVE,
                driver,
                f"unsupported hash algorithm {algorithm!r}{_key_note(ref)}",
            )
        )
    candidates = {payload.SerializeToString(), payload.SerializeToString(deterministic=True)}
    if not any(hashlib.sha256(blob).hexdigest() == expected.lower() for blob in candidates):
        raise _Failed(
            PayloadError(
                ErrorKind.INTEGRITY,
                Stage.RETRIEVE,
                driver,
                f"integrity check failed: content does not match the "
                f"claim's sha256{_key_note(ref)}",
            )
        )


def _codec_error(error: Exception, stage: Stage, label: str) -> PayloadError:
    component = getattr(error, "codec", None) or label
    kind = ErrorKind.BUSY if isinstance(error, limits.GateBusy) else ErrorKind.CODEC
    return PayloadError(kind, stage, str(component), first_line(error))


def _count_retrieved(driver: str, payload: Payload) -> None:
    """Retrieved blobs count against the operation's budget too: a body naming one large
    reference a thousand times must not materialise a thousand copies."""
    budget = limits.current_budget()
    if budget is None:
        return
    try:
        budget.take(payload.ByteSize(), None)
    except limits.DecodedBytesLimitError as e:
        message = f"refused: {e}"
        raise _Failed(PayloadError(ErrorKind.LIMIT, Stage.RETRIEVE, driver, message)) from None


def _key_note(ref: Reference) -> str:
    key = ref.claim.get("key")
    return f" [key={key}]" if key else ""
