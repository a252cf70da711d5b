"""Why a payload failed or was left encoded, and what would fix it, in one line.

The answer comes from trying what the config knows, each try a real decode: the other
profiles, the profile's codecs in other orders or with a keyless codec added, and, read off
the failing layer, the key ids and driver names and buckets the profile has. A diagnosis
names key ids, never keys.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

from temporalio.api.common.v1 import Payload

from inspector.config import CODEC_KINDS, CodecSpec, Config, ConfigError, Profile
from inspector.layers import Layer, Step, Trace
from inspector.left_encoded import left_in
from inspector.left_encoded import reason as left_reason
from inspector.outcomes import ErrorKind, PayloadError, Stage, one_line
from inspector.pipeline import Pipeline
from inspector.references import ReferenceFormatError, is_plain_reference, parse_reference
from inspector.runtime import build_pipeline

# The codec kind of ours that writes each encoding (to try it when it is missing).
CODEC_ENCODINGS = {
    "binary/gzip": "gzip",
    "binary/zlib": "zlib",
    "binary/encrypted": "aes-gcm",
    "binary/snappy": "snappy",
}
KEY_ID_METADATA = "encryption-key-id"
MAX_ORDERS = 24  # the orders of up to four codecs
MAX_DIAGNOSES = 20  # per diagnoser: a history of a thousand failures is diagnosed by its first
TRY_SECONDS = 5.0  # one try (a decode with another profile or chain) at most
BUDGET_SECONDS = 30.0  # all of ``line``'s tries together: a hint must not hold ``decode`` up


@dataclass(frozen=True)
class Explanation:
    """One payload's layers under a profile, what went wrong, and the diagnosis line."""

    profile: str
    layers: tuple[Layer, ...]
    problem: str | None  # the error, or why the result is still encoded; None when it decoded
    diagnosis: str | None

    @property
    def failed(self) -> bool:
        return self.problem is not None


def left_encoded(trace: Trace) -> str | None:
    """The codec encoding a successful decode left the payload in, if any (what
    ``inspector.left_encoded`` calls left encoded, so every face agrees)."""
    result = trace.result
    return None if result is None else left_in("decoded", result, result)


def problem_of(trace: Trace, profile: str) -> str | None:
    """What went wrong, in the pipeline's words; None when the payload decoded."""
    if trace.outcome is not None and trace.outcome.error is not None:
        return trace.outcome.error.describe()
    encoding = left_encoded(trace)
    if encoding is None:
        return None
    return f"result: left encoded: {left_reason(encoding, profile)}"


def hint(diagnosis: str | None) -> str:
    """A diagnosis as the end of a failure's one line: `` — hint: …``, or nothing."""
    return "" if diagnosis is None else f" — hint: {diagnosis}"


async def trace_decode(pipeline: Pipeline, payload: Payload) -> Trace:
    """The layers of one payload's decode by ``pipeline`` (the decode itself, traced)."""
    trace = Trace()
    await pipeline.decode([payload], trace=trace)
    return trace


class Diagnoser:
    """Diagnoses payloads of one document under one profile; ``aclose`` when done.

    The other profiles' pipelines are built once and kept (their S3 clients, their cache);
    pipelines for a reordered or completed chain are built per try and closed at once.
    """

    def __init__(
        self,
        config: Config,
        profile: Profile,
        namespace: str | None = None,
        *,
        limit: int = MAX_DIAGNOSES,
    ) -> None:
        self.config = config
        self.profile = profile
        self.namespace = namespace
        self.limit = limit
        self._pipelines: dict[str, Pipeline | None] = {}
        self._count = 0
        self._spent = 0.0

    async def explain(self, payload: Payload) -> Explanation:
        """The payload's layers under the profile, and the diagnosis when it did not decode."""
        pipeline = self._pipeline(self.profile)
        assert pipeline is not None  # the diagnosed profile's own build error is raised
        trace = await trace_decode(pipeline, payload)
        problem = problem_of(trace, self.profile.name)
        diagnosis = await self._diagnose(payload, trace) if problem is not None else None
        return Explanation(self.profile.name, tuple(trace.layers), problem, diagnosis)

    async def line(self, payload: Payload, error: PayloadError | None = None) -> str | None:
        """The diagnosis of a payload that failed (or was left encoded), or None; after
        ``limit`` payloads, None without trying (each try is a decode)."""
        if self._count >= self.limit or self._spent >= BUDGET_SECONDS:
            return None
        self._count += 1
        started = time.monotonic()
        try:
            return (await self.explain(payload)).diagnosis
        except Exception:  # a hint that cannot be had is no reason to fail the command
            return None
        finally:
            self._spent += time.monotonic() - started

    async def aclose(self) -> None:
        for pipeline in self._pipelines.values():
            if pipeline is not None:
                try:
                    await pipeline.aclose()
                except Exception:
                    continue
        self._pipelines = {}

    # ---- the tries --------------------------------------------------------------------------

    async def _diagnose(self, payload: Payload, trace: Trace) -> str | None:
        other = await self._other_profile(payload)
        specific = self._from_failing_layer(trace, holders=other is None)
        if specific is not None:
            return specific if other is None else f"{specific}; {other}"
        if other is not None:
            return other
        error = trace.outcome.error if trace.outcome is not None else None
        if error is None or error.kind is ErrorKind.CODEC:  # left encoded, or a codec failed
            for attempt in (self._codec_order, self._missing_codec):
                found = await attempt(payload, trace)
                if found is not None:
                    return found
        return self._unfixed(trace)

    def _from_failing_layer(self, trace: Trace, *, holders: bool) -> str | None:
        """What the failing layer and the one before it say: key ids, drivers, buckets."""
        error = trace.outcome.error if trace.outcome is not None else None
        if error is None:
            return None
        before = _last_payload(trace.layers)
        if error.kind is ErrorKind.CODEC and error.component == "aes-gcm" and before is not None:
            return self._key_ids(before, error, holders=holders)
        if error.kind in (ErrorKind.UNKNOWN_DRIVER, ErrorKind.NO_STORAGE):
            return self._driver(error)
        if error.kind is ErrorKind.MISSING and before is not None:
            return self._bucket(before)
        return None

    def _key_ids(self, payload: Payload, error: PayloadError, *, holders: bool) -> str:
        known = _key_ids(self._stage_specs(self.profile, error.stage))
        raw = payload.metadata.get(KEY_ID_METADATA)
        if raw is None:
            return f"encrypted without '{KEY_ID_METADATA}' metadata; profile has {_listed(known)}"
        key_id = one_line(raw.decode("utf-8", "replace"), 100)
        name = self.profile.name
        if key_id in known:
            return (
                f"key id '{key_id}' is known to profile '{name}', but its key does not decrypt "
                "this payload (another key under that id, or tampered data)"
            )
        only = "knows only" if known else "knows no key ids"
        line = f"encrypted with key id '{key_id}'; profile '{name}' {only} {_listed(known)}"
        others = [
            p.name
            for p in self.config.profiles.values()
            if p.name != name and key_id in _key_ids((*p.codecs, *p.proxy_codecs))
        ]
        if holders and others:
            line += f"; profile {_listed(others)} has that key id"
        return line.rstrip()

    def _driver(self, error: PayloadError) -> str:
        driver = error.component or ""
        mine = self._driver_names(self.profile)
        has = f"has only {_listed(mine)}" if mine else "has no storage"
        line = f"the reference names driver '{driver}'; profile '{self.profile.name}' {has}"
        if not any(driver in self._driver_names(p) for p in self.config.profiles.values()):
            line += "; no profile has a driver of that name"
        return line

    def _driver_names(self, profile: Profile) -> list[str]:
        """The names a profile's drivers answer to (a ``python`` driver names itself)."""
        pipeline = self._pipeline(profile)
        if pipeline is not None:
            return list(pipeline.drivers)
        return [spec.name for spec in profile.storage if spec.name]

    def _bucket(self, reference: Payload) -> str | None:
        if not is_plain_reference(reference):
            return None
        try:
            ref = parse_reference(reference)
        except ReferenceFormatError:
            return None
        bucket = ref.claim.get("bucket")
        if bucket is None:
            return None
        mine = _buckets(self.profile)
        if bucket in mine:
            return None
        line = (
            f"the reference names bucket '{one_line(bucket, 100)}'; profile "
            f"'{self.profile.name}' reads only {_listed(mine) or 'no buckets'}"
        )
        if not any(bucket in _buckets(p) for p in self.config.profiles.values()):
            line += "; no profile lists it (add it to a profile's storage buckets)"
        return line

    async def _other_profile(self, payload: Payload) -> str | None:
        for other in self.config.profiles.values():
            if other.name == self.profile.name:
                continue
            pipeline = self._pipeline(other)
            if pipeline is not None and await _decodes(pipeline, payload):
                return (
                    f"decodes with profile '{other.name}' ({_serves(other)}), "
                    f"not '{self.profile.name}'"
                )
        return None

    async def _codec_order(self, payload: Payload, trace: Trace) -> str | None:
        field = self._chain_field(trace)
        specs = getattr(self.profile, field)
        if len(specs) < 2:
            return None
        for order in itertools.islice(itertools.permutations(specs), 1, MAX_ORDERS):
            if await self._decodes_with(field, order, payload):
                return f"decodes with the codecs in the order {_chain(order)}, not {_chain(specs)}"
        return None

    async def _missing_codec(self, payload: Payload, trace: Trace) -> str | None:
        encoding = left_encoded(trace)
        if encoding is None:
            return None
        kind = CODEC_ENCODINGS.get(encoding)
        if kind is None:
            return None  # not an encoding a codec of ours writes: nothing to add and try
        registered = CODEC_KINDS.get(kind)
        if registered is None or registered.keys:
            return None  # only a keyless codec can be tried without the user's secrets
        field = self._chain_field(trace)
        specs: tuple[CodecSpec, ...] = getattr(self.profile, field)
        added = CodecSpec(type=kind)
        for position in range(len(specs), -1, -1):
            chain = (*specs[:position], added, *specs[position:])
            if await self._decodes_with(field, chain, payload):
                return (
                    f"left as '{encoding}': profile '{self.profile.name}' has no {kind} codec; "
                    f"it decodes with codecs {_chain(chain)}"
                )
        return None

    def _unfixed(self, trace: Trace) -> str | None:
        error = trace.outcome.error if trace.outcome is not None else None
        if error is not None and error.kind is ErrorKind.MISSING:
            return (
                f"the blob is in no profile's storage (tried {_listed(list(self.config.profiles))})"
            )
        encoding = left_encoded(trace)
        if encoding is not None:
            return (
                f"left as '{encoding}': no profile, codec order or added codec decodes it; "
                f"it needs a {CODEC_ENCODINGS.get(encoding, 'codec')} codec with the right key "
                "or settings"
            )
        return None

    # ---- helpers ----------------------------------------------------------------------------

    def _chain_field(self, trace: Trace) -> str:
        error = trace.outcome.error if trace.outcome is not None else None
        return "proxy_codecs" if error is not None and error.stage is Stage.POST_CODEC else "codecs"

    @staticmethod
    def _stage_specs(profile: Profile, stage: Stage) -> Sequence[CodecSpec]:
        return profile.proxy_codecs if stage is Stage.POST_CODEC else profile.codecs

    async def _decodes_with(self, field: str, chain: Sequence[CodecSpec], payload: Payload) -> bool:
        if field == "proxy_codecs":
            variant = dataclasses.replace(self.profile, proxy_codecs=tuple(chain))
        else:
            variant = dataclasses.replace(self.profile, codecs=tuple(chain))
        try:
            pipeline = build_pipeline(variant, namespace=self.namespace)
        except ConfigError:
            return False
        try:
            return await _decodes(pipeline, payload)
        finally:
            await pipeline.aclose()

    def _pipeline(self, profile: Profile) -> Pipeline | None:
        """The profile's pipeline, built once; None when another profile cannot be built
        (the diagnosed profile's own ``ConfigError`` is raised)."""
        if profile.name not in self._pipelines:
            try:
                self._pipelines[profile.name] = build_pipeline(
                    profile,
                    namespace=self.namespace,
                    max_decoded_bytes=self.config.server.max_decoded_bytes,
                )
            except ConfigError:
                if profile is self.profile:
                    raise
                self._pipelines[profile.name] = None
        return self._pipelines[profile.name]


async def _decodes(pipeline: Pipeline, payload: Payload) -> bool:
    """Whether the pipeline decodes the payload fully (no error, no codec encoding left)
    within ``TRY_SECONDS``: a profile whose storage does not answer is no answer."""
    try:
        [outcome] = await asyncio.wait_for(pipeline.decode([payload]), TRY_SECONDS)
    except TimeoutError:
        return False
    if outcome.payload is None:
        return False
    encoding = outcome.payload.metadata.get("encoding", b"").decode("utf-8", "replace")
    return encoding not in CODEC_ENCODINGS


def _last_payload(layers: Sequence[Layer]) -> Payload | None:
    """The payload of the last layer that has one: what the failing step was given."""
    for layer in reversed(layers):
        if layer.payload is not None and layer.step is not Step.RESULT:
            return layer.payload
    return None


def _key_ids(specs: Sequence[CodecSpec]) -> list[str]:
    return [key_id for spec in specs if spec.type == "aes-gcm" for key_id, _ in spec.keys]


def _buckets(profile: Profile) -> list[str]:
    return [b for s in profile.storage if s.bucket for b in (s.bucket, *s.buckets)]


def _listed(names: Sequence[str]) -> str:
    return ", ".join(f"'{one_line(n, 100)}'" for n in names)


def _chain(specs: Sequence[CodecSpec]) -> str:
    return " → ".join(spec.label for spec in specs)


def _serves(profile: Profile) -> str:
    if "*" in profile.namespaces:
        return "serves every namespace"
    if not profile.namespaces:
        return "serves no namespace"
    word = "namespace" if len(profile.namespaces) == 1 else "namespaces"
    return f"serves {word} {_listed(profile.namespaces)}"
