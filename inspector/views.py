"""The four views of a document, and running one over it: the one list every face uses.

A view names which pipeline operation a payload goes through. The CLI's ``--view``, the GUI's
view switch, screenshots and their captions all read this module, so a fifth view (or a new
label) is added here once. ``View`` is a ``StrEnum``: the command line's word is its value.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line reads the names without loading the pipeline
    from temporalio.api.common.v1 import Payload

    from inspector.documents import Document, FoundPayload
    from inspector.outcomes import Outcome
    from inspector.pipeline import Pipeline


class View(enum.StrEnum):
    """One way to look at payloads; ``label`` and ``tip`` are what people read."""

    DECODED = "decoded"
    REFS = "refs"
    DOWNLOAD = "download"
    RAW = "raw"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def tip(self) -> str:
        return _TIPS[self]

    @classmethod
    def parse(cls, text: str) -> View:
        """The view named ``text``; ValueError naming the allowed words otherwise."""
        try:
            return cls(text)
        except ValueError:
            raise ValueError(f"unknown view {text!r} (allowed: {', '.join(VIEWS)})") from None


VIEWS: tuple[str, ...] = tuple(v.value for v in View)

_LABELS = {
    View.DECODED: "Decoded",
    View.REFS: "References preserved",
    View.DOWNLOAD: "Downloaded",
    View.RAW: "Raw",
}
_TIPS = {
    View.DECODED: "What the workflow saw: codecs decoded, references retrieved",
    View.REFS: "Codecs decoded, storage references kept as references (the Web UI's view)",
    View.DOWNLOAD: "Each reference's content; every other payload as it is",
    View.RAW: "The payloads exactly as the document has them",
}


async def run_view(pipeline: Pipeline, view: str, payloads: Sequence[Payload]) -> list[Outcome]:
    """One view over payloads: the CLI, the GUI and screenshots all come through here."""
    match View.parse(view):
        case View.DECODED:
            return await pipeline.decode(payloads)
        case View.REFS:
            return await pipeline.decode(payloads, preserve_refs=True)
        case View.DOWNLOAD:
            return await pipeline.download(payloads, strict=False)
        case View.RAW:
            from inspector.outcomes import Outcome

            return [Outcome(payload=p) for p in payloads]


def transformed(found: FoundPayload, pipeline: Pipeline) -> bool:
    """Whether a view runs this payload: search attributes never, headers only where the
    profile's workers encode them (``pipeline.encode_headers``)."""
    location = found.location
    return location.transform and not (location.header and not pipeline.encode_headers)


async def run_found(pipeline: Pipeline, view: str, founds: Sequence[FoundPayload]) -> list[Outcome]:
    """One view over payloads found in a document, one outcome each. A system Nexus envelope
    is not run itself: the payloads inside it are, and it is rebuilt around what they give
    (``documents.nexus``). The whole-document and the streamed paths both come here."""
    from inspector.documents.nexus import open_envelope
    from inspector.outcomes import Outcome

    opened = View.parse(view) is not View.RAW
    batch: list[Payload] = []
    spans = []
    for found in founds:
        envelope = open_envelope(found.payload) if opened else None
        start = len(batch)
        batch.extend(envelope.inner if envelope is not None else [found.payload])
        spans.append((envelope, start, len(batch)))
    outcomes = await run_view(pipeline, view, batch)
    result: list[Outcome] = []
    for envelope, start, end in spans:
        if envelope is None:
            result.append(outcomes[start])
            continue
        inner = outcomes[start:end]
        failed = next((o for o in inner if o.error is not None), None)
        payloads = [o.payload for o in inner if o.payload is not None]
        result.append(failed or Outcome(payload=envelope.rebuilt(payloads)))
    return result


async def transform_document(doc: Document, pipeline: Pipeline, view: str) -> dict[int, Outcome]:
    """Outcomes by payload index, for the payloads a view runs (``transformed``)."""
    indexes = [i for i, found in enumerate(doc.payloads) if transformed(found, pipeline)]
    outcomes = await run_found(pipeline, view, [doc.payloads[i] for i in indexes])
    return dict(zip(indexes, outcomes, strict=True))
