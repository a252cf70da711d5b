"""Differences between payloads, documents and runs, named by location and JSON pointer.

``values`` compares two JSON values, ``runs`` aligns two histories event by event, and
``compare`` puts them together over what each side shows (decoded, redacted).
"""

from inspector.diffing.compare import (
    RUN_FIELDS,
    Difference,
    ItemDiff,
    Side,
    compare_documents,
    compare_payloads,
    differences,
)
from inspector.diffing.runs import EventKey, EventRef, align, event_refs
from inspector.diffing.values import Change, diff_values, without

__all__ = [
    "RUN_FIELDS",
    "Change",
    "Difference",
    "EventKey",
    "EventRef",
    "ItemDiff",
    "Side",
    "align",
    "compare_documents",
    "compare_payloads",
    "diff_values",
    "differences",
    "event_refs",
    "without",
]
