"""A view's results for one document, kept within a memory budget.

Why: decoded payloads are several times their encoded size (JSON compresses about 5:1), so
keeping every decoded payload of a 100 MB history took the best part of a gigabyte. The
payload list needs only a few facts per payload (encoding, size, error), and those are
always kept. Decoded payloads are kept while they fit in ``budget`` bytes, first come first
kept (document order: the top of the list, what is seen first); small ones and failures
always. The rest are decoded again when one is shown (``DocumentTab`` does that when it is
selected) or when the document is exported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from inspector.outcomes import Outcome

from .payload_view import encoding_of

KEEP_BYTES = 32 * 1024 * 1024
SMALL_BYTES = 4 * 1024  # decoded payloads this small are always kept


@dataclass(frozen=True)
class Facts:
    """What the payload list shows about a decoded payload that is not kept."""

    encoding: str
    size: int


class ViewResults(Mapping[int, Outcome]):
    """Outcomes by payload index: the kept ones as a mapping, facts for the dropped ones."""

    def __init__(self, budget: int | None = None) -> None:
        self.budget = KEEP_BYTES if budget is None else budget
        self.kept_bytes = 0
        self._kept: dict[int, Outcome] = {}
        self._dropped: dict[int, Facts] = {}

    def add(self, index: int, outcome: Outcome) -> None:
        payload = outcome.payload
        if payload is None:
            self._kept[index] = outcome
            return
        size = payload.ByteSize()
        if size <= SMALL_BYTES or self.kept_bytes + size <= self.budget:
            self._kept[index] = outcome
            self.kept_bytes += size
        else:
            self._dropped[index] = Facts(encoding_of(payload), size)

    @property
    def decoded_bytes(self) -> int:
        """The decoded payloads' size in all, kept or not."""
        return self.kept_bytes + sum(f.size for f in self._dropped.values())

    def dropped(self, index: int) -> Facts | None:
        """Facts about payload ``index`` if it decoded fine but is not kept, else None."""
        return self._dropped.get(index)

    @property
    def complete(self) -> bool:
        """Whether every outcome is kept (then an export needs no second run)."""
        return not self._dropped

    def __getitem__(self, index: int) -> Outcome:
        return self._kept[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self._kept)

    def __len__(self) -> int:
        return len(self._kept)
