"""The bucket rule of the cloud stores (S3, GCS): a claim may name only the profile's buckets.

The SDK's drivers read whatever bucket a claim names, with our credentials; claims come from
pasted documents, so before anything is asked of the store a claim must name the profile's
``bucket`` or one of its ``buckets``.
"""

from __future__ import annotations

from collections.abc import Sequence

from temporalio.converter import StorageDriverClaim

from inspector.outcomes import one_line
from inspector.storage.errors import BadClaim


def allowed_buckets(bucket: str, buckets: Sequence[str]) -> tuple[str, ...]:
    """``bucket`` first, then the others a claim may name."""
    return (bucket, *(b for b in buckets if b != bucket))


def check_claim(
    driver: str, claim: StorageDriverClaim, allowed: Sequence[str], *, store: str, key_field: str
) -> None:
    """Refuse (``BadClaim``, 422) a claim without its bucket and key, or naming another bucket."""
    key = claim.claim_data.get(key_field)
    if "bucket" not in claim.claim_data or key is None:
        raise BadClaim(driver, key, f"{store} claim needs 'bucket' and '{key_field}'")
    claimed = claim.claim_data["bucket"]
    if claimed not in allowed:
        names = ", ".join(f"'{b}'" for b in allowed)
        raise BadClaim(
            driver,
            key,
            f"claim names bucket '{one_line(claimed, 100)}', but this profile reads only "
            f"from {names} (add it to the storage's buckets to allow it)",
        )
