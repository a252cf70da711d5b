"""Which other profile of the config would decode what this one left encoded or failed on.

Each guess is a real decode of a few of the payloads in question, by the other profile's
own pipeline (its codecs, its storage), so "decodes with profile 'orders'" is something
that was seen, not inferred from names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from urllib.parse import unquote

from temporalio.api.common.v1 import Payload

from inspector.config import Config, ConfigError
from inspector.left_encoded import left_in
from inspector.references import ReferenceFormatError, is_plain_reference, parse_reference
from inspector.runtime import build_pipeline
from inspector.views import run_view

SAMPLE = 8  # payloads tried per profile
# The SDK's S3 driver keys its objects by namespace: ``v0/ns/<namespace>/...``.
_NAMESPACE_IN_KEY = re.compile(r"v0/ns/([^/]+)/")


def namespace_in_references(payloads: Iterable[Payload], *, read: int = 64) -> str | None:
    """The namespace the first ``read`` plain storage references name most often (in an S3
    key ``v0/ns/<namespace>/…`` or a claim's ``namespace``), or None when none names one.

    Marked references are codec-encoded, so only a profile's codec could read them; the
    workflow's own namespace is what its storage driver was told when it wrote them."""
    seen: Counter[str] = Counter()
    for payload in payloads:
        if not is_plain_reference(payload):
            continue
        read -= 1
        if read < 0:
            break
        try:
            claim = parse_reference(payload).claim
        except ReferenceFormatError:
            continue
        named = claim.get("namespace")
        match = _NAMESPACE_IN_KEY.match(claim.get("key", ""))
        if named:
            seen[named] += 1
        elif match is not None and match.group(1) != "null":
            seen[unquote(match.group(1))] += 1
    return seen.most_common(1)[0][0] if seen else None


async def profile_that_decodes(
    config: Config, current: str, payloads: Sequence[Payload], view: str
) -> str | None:
    """The first profile (in the config's order) other than ``current`` under which every
    one of (a sample of) ``payloads`` comes out readable in ``view``; None if none does."""
    sample = list(payloads[:SAMPLE])
    if not sample:
        return None
    for name, profile in config.profiles.items():
        if name == current:
            continue
        try:
            pipeline = build_pipeline(profile, max_decoded_bytes=config.server.max_decoded_bytes)
        except ConfigError:
            continue  # a profile that cannot run decodes nothing
        try:
            outcomes = await run_view(pipeline, view, sample)
        finally:
            await pipeline.aclose()
        if all(
            o.payload is not None and left_in(view, raw, o.payload) is None
            for raw, o in zip(sample, outcomes, strict=True)
        ):
            return name
    return None
