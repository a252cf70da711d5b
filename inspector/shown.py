"""A document as a face shows it: read, run through a profile's view, redacted.

``diff`` and ``verify`` (and evidence bundles) need the same few steps ``decode`` takes —
the profile chosen as the command line chooses it, its pipeline built and closed, the view
run over every payload — followed by the redaction rules, command line first, then the
config's. One sequence here keeps them from drifting apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from temporalio.api.common.v1 import Payload

from inspector.config import Config
from inspector.documents import Document, parse_document
from inspector.documents.redacted import redact_document
from inspector.errors import InspectorError
from inspector.outcomes import PayloadError
from inspector.redaction import Redaction
from inspector.runtime import build_pipeline
from inspector.views import transform_document


class SourceError(InspectorError):
    """A document that cannot be read: one line naming the file."""


@dataclass(frozen=True)
class ShownDocument:
    """What a face shows of one document: payloads by index (as shown, redacted), the
    failures (left as they were) and how many values the rules replaced."""

    doc: Document
    shown: dict[int, Payload]
    failures: list[tuple[int, PayloadError]] = field(default_factory=list)
    redacted: int = 0

    def failure_lines(self) -> list[str]:
        """``SOURCE: LABEL (POINTER): stage (component): cause``, as ``decode`` says them."""
        lines = []
        for i, error in self.failures:
            where = self.doc.payloads[i].location
            lines.append(
                f"{self.doc.source}: {where.label} ({where.pointer or '/'}): {error.describe()}"
            )
        return lines


def read_source(file: str | Path) -> tuple[bytes, str]:
    """The file's bytes and its name for messages; ``SourceError`` when it cannot be read."""
    try:
        return Path(file).expanduser().read_bytes(), str(file)
    except OSError as e:
        raise SourceError(f"{file}: cannot read: {e.strerror or e}") from None


async def show_document(
    doc: Document,
    config: Config,
    *,
    view: str,
    redaction: Redaction,
    profile: str | None = None,
    namespace: str | None = None,
) -> ShownDocument:
    """``doc`` through the chosen profile's ``view``, then ``redaction``."""
    chosen = config.select(profile=profile, namespace=namespace)
    pipeline = build_pipeline(
        chosen, namespace=namespace, max_decoded_bytes=config.server.max_decoded_bytes
    )
    try:
        outcomes = await transform_document(doc, pipeline, view)
    finally:
        await pipeline.aclose()
    failures = [(i, o.error) for i, o in sorted(outcomes.items()) if o.error is not None]
    replacements = {i: o.payload for i, o in outcomes.items() if o.payload is not None}
    shown, count = redact_document(doc, replacements, redaction)
    return ShownDocument(doc, shown, failures, count)


async def show_file(
    file: str | Path,
    config: Config,
    *,
    view: str,
    redaction: Redaction,
    profile: str | None = None,
    namespace: str | None = None,
) -> ShownDocument:
    """``show_document`` of a file read and parsed as ``decode`` reads one."""
    data, source = read_source(file)
    doc = parse_document(data, source=source)
    return await show_document(
        doc, config, view=view, redaction=redaction, profile=profile, namespace=namespace
    )
