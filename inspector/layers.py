"""Every step the pipeline took with one payload: the layers ``explain`` and the GUI show.

A ``Trace`` is handed to ``Pipeline.decode`` and filled as that decode runs, so the layers
are what the decode did, not a second account of it: the input, each post-storage codec,
the unmarked reference, the retrieved blob, each pre-storage codec one at a time (a chain
reports after each of its codecs), then the result, or the failing step with its error and
nothing after it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from temporalio.api.common.v1 import Payload

from inspector.codecs.chain import ChainObserver
from inspector.outcomes import Outcome, PayloadError, Stage, one_line
from inspector.references import Reference


class Step(enum.StrEnum):
    """Which step a layer is; a failing layer's step is its error's stage (same words)."""

    INPUT = "input"
    POST_CODEC = Stage.POST_CODEC.value
    REFERENCE = Stage.REFERENCE.value  # a marked reference made plain (or an unreadable one)
    STORAGE = Stage.RETRIEVE.value  # the retrieved blob
    PRE_CODEC = Stage.PRE_CODEC.value
    RESULT = "result"

    @classmethod
    def of_stage(cls, stage: Stage) -> Step:
        return cls.INPUT if stage in (Stage.INPUT, Stage.STORE) else cls(stage.value)


@dataclass(frozen=True)
class Layer:
    """One step's payload (None on the failing layer), who made it, and what else is known:
    ``details`` are (name, text) pairs such as the driver, claim, stored size, hash check."""

    step: Step
    component: str | None
    payload: Payload | None
    error: PayloadError | None = None
    details: tuple[tuple[str, str], ...] = ()
    changed: bool = True  # False: the codec passed it through (not its encoding)

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def encoding(self) -> str | None:
        if self.payload is None:
            return None
        return self.payload.metadata.get("encoding", b"").decode("utf-8", "replace")

    @property
    def metadata(self) -> dict[str, str]:
        """Metadata as printable text (binary values as their length), sorted by key."""
        if self.payload is None:
            return {}
        return {key: _text(self.payload.metadata[key]) for key in sorted(self.payload.metadata)}

    @property
    def size(self) -> int | None:
        """The serialized payload's size: what the SDK compares with its storage threshold."""
        return None if self.payload is None else self.payload.ByteSize()

    @property
    def data(self) -> bytes:
        return b"" if self.payload is None else bytes(self.payload.data)

    @property
    def title(self) -> str:
        """``pre-storage codec (gzip)``: the step and who did it."""
        return f"{self.step.value} ({self.component})" if self.component else self.step.value


class Trace:
    """Collects the layers of one payload's decode; ``Pipeline.decode(..., trace=…)`` fills it.

    The codec steps report through :meth:`codec_observer` (a chain tells after each codec;
    a codec run again, as the bounds may ask, simply reports again) and :meth:`codec_ran`.
    """

    def __init__(self) -> None:
        self.layers: list[Layer] = []
        self.outcome: Outcome | None = None
        self._chain: dict[int, tuple[str, Payload]] = {}

    @property
    def failed(self) -> bool:
        return any(layer.failed for layer in self.layers)

    @property
    def result(self) -> Payload | None:
        return None if self.outcome is None else self.outcome.payload

    def input(self, payload: Payload) -> None:
        self.layers.append(Layer(Step.INPUT, None, payload))

    def codec_observer(self) -> ChainObserver:
        """What a chain calls after each of its codecs during the step now running."""
        self._chain = {}

        def observe(position: int, name: str, payloads: list[Payload]) -> None:
            if len(payloads) == 1:
                self._chain[position] = (name, payloads[0])

        return observe

    def codec_ran(self, stage: Stage, label: str, result: Payload | Exception) -> None:
        """A codec step finished: a layer per codec the chain reported, or one for the codec."""
        step = Step.of_stage(stage)
        before = self.layers[-1].payload if self.layers else None
        reported = [self._chain[i] for i in sorted(self._chain)]
        self._chain = {}
        if isinstance(result, Payload) and not reported:
            reported = [(label, result)]
        for name, payload in reported:
            self.layers.append(Layer(step, name, payload, changed=payload != before))
            before = payload

    def unmarked(self, component: str, payload: Payload) -> None:
        self.layers.append(Layer(Step.REFERENCE, component, payload))

    def retrieved(self, ref: Reference, self_verifying: bool, payload: Payload) -> None:
        """The blob a reference named, with the driver, claim, sizes and the hash check."""
        details = [("driver", ref.driver_name)]
        details += [(f"claim {key}", one_line(value, 200)) for key, value in ref.claim.items()]
        if ref.stored_size is not None:
            details.append(("stored size", f"{ref.stored_size} bytes"))
        details.append(("hash", _hash_check(ref, self_verifying)))
        self.layers.append(Layer(Step.STORAGE, ref.driver_name, payload, details=tuple(details)))

    def finish(self, outcome: Outcome) -> None:
        """The result, or the failing layer carrying the error (and nothing after it)."""
        self.outcome = outcome
        if outcome.error is not None:
            error = outcome.error
            self.layers.append(Layer(Step.of_stage(error.stage), error.component, None, error))
        elif outcome.payload is not None:
            self.layers.append(Layer(Step.RESULT, None, outcome.payload))


def _hash_check(ref: Reference, self_verifying: bool) -> str:
    """What checked the blob against its claim; a blob that failed the check never gets here."""
    if self_verifying:
        return f"checked by the driver ({ref.claim.get('hash_algorithm') or 'its own check'})"
    if ref.claim.get("hash_value"):
        return "sha256 matches the claim (checked by the pipeline)"
    return "not checked: the claim carries no hash"


def _text(value: bytes) -> str:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(value)} bytes>"
    return one_line(text, 200)
