"""Which other profile of the config would decode what this one left encoded or failed on.

Each guess is a real decode of a few of the payloads in question, by the other profile's
own pipeline (its codecs, its storage), so "decodes with profile 'orders'" is something
that was seen, not inferred from names.
"""

from __future__ import annotations

from collections.abc import Sequence

from temporalio.api.common.v1 import Payload

from inspector.config import Config, ConfigError
from inspector.left_encoded import left_in
from inspector.runtime import build_pipeline
from inspector.views import run_view

SAMPLE = 8  # payloads tried per profile


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
