"""Storage failures that say which driver, which key, and whether it was missing or unreachable."""

from __future__ import annotations

from inspector.errors import InspectorError
from inspector.outcomes import ErrorKind, one_line


class StorageError(InspectorError):
    """A storage call failed; ``kind`` tells the pipeline (and so the HTTP status) why."""

    kind: ErrorKind = ErrorKind.UNREACHABLE

    def __init__(self, driver: str, key: str | None, reason: str) -> None:
        where = f" [key={one_line(key, 200)}]" if key else ""  # keys come from user input
        super().__init__(f"{reason}{where}")
        self.driver = driver
        self.key = key
        self.reason = reason


class BlobMissing(StorageError):
    """The store answered, and the blob is not there."""

    kind = ErrorKind.MISSING


class StoreUnreachable(StorageError):
    """The store could not be reached or failed while answering."""

    kind = ErrorKind.UNREACHABLE


class IntegrityFailure(StorageError):
    """The blob is there but is not what the claim's hash says it should be."""

    kind = ErrorKind.INTEGRITY


class BadClaim(StorageError):
    """A claim that cannot address a blob in this store (missing fields, path escape)."""

    kind = ErrorKind.MISSING
