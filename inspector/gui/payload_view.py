"""How a payload is shown to people: its value, folded JSON, hex, metadata, sizes.

Display only (no Qt, safe on worker threads): the payload itself always comes from the
pipeline; these helpers never change what it holds.
"""

from __future__ import annotations

import base64
import json
import string
from typing import Any

from temporalio.api.common.v1 import Payload

from inspector.documents import ReadableValue, payload_to_json
from inspector.references import REFERENCE_MARKER_KEY, is_marked, is_plain_reference

FOLD_BYTES = 256 * 1024  # data larger than this opens folded
SHOW_ALL_BYTES = 4 * 1024 * 1024  # text larger than this is cut until "Show all"
FOLD_DEPTH = 3
HEX_PAGE = 64 * 1024
_PRINTABLE = set(string.printable) - set("\x0b\x0c")
# A byte as the hex dump's text column shows it: printable ASCII as it is, the rest a dot.
_SHOWN_BYTES = bytes(b if 32 <= b < 127 else ord(".") for b in range(256))


def human_size(n: int | None) -> str:
    """``586.2 KiB``: binary units, one decimal from KiB on."""
    if n is None:
        return "—"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # unreachable


def encoding_of(payload: Payload) -> str:
    """The payload's ``encoding`` metadata as text; marked references say so."""
    raw = payload.metadata.get("encoding", b"")
    text = raw.decode("utf-8", "replace") if raw else "(no encoding)"
    if is_plain_reference(payload):
        return f"{text} (reference)"
    if REFERENCE_MARKER_KEY in payload.metadata and is_marked(payload):
        return f"{text} (marked reference)"
    return text


def pretty_json(value: Any) -> str:
    """Indented JSON, non-ASCII kept readable (as ``decode --readable`` prints it)."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def folded_json(value: Any, depth: int = FOLD_DEPTH, max_items: int = 50) -> str:
    """Indented JSON with containers below ``depth`` summarised (``[ … 3,456 items ]``).

    Long lists show their first ``max_items`` entries; the tree view and "Unfold" show
    everything. The output is for reading, not for parsing.
    """
    lines: list[str] = []
    _fold(value, 0, depth, max_items, "", lines, "")
    return "\n".join(lines)


def _summary(value: Any) -> str:
    if isinstance(value, dict):
        return f"{{ … {len(value):,} keys }}"
    return f"[ … {len(value):,} items ]"


def _fold(
    value: Any, level: int, depth: int, max_items: int, prefix: str, out: list[str], tail: str
) -> None:
    pad = "  " * level
    if not isinstance(value, dict | list) or not value:
        out.append(f"{pad}{prefix}{json.dumps(value, ensure_ascii=False)}{tail}")
        return
    if level >= depth:
        out.append(f"{pad}{prefix}{_summary(value)}{tail}")
        return
    is_dict = isinstance(value, dict)
    out.append(f"{pad}{prefix}{'{' if is_dict else '['}")
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
    shown = items if is_dict else items[:max_items]
    for n, (key, item) in enumerate(shown):
        last = n == len(shown) - 1 and len(shown) == len(items)
        child_prefix = f"{json.dumps(key, ensure_ascii=False)}: " if is_dict else ""
        _fold(item, level + 1, depth, max_items, child_prefix, out, "" if last else ",")
    if len(shown) < len(items):
        out.append(f"{pad}  … {len(items) - len(shown):,} more items")
    out.append(f"{pad}{'}' if is_dict else ']'}{tail}")


def cut_text(text: str, limit: int = SHOW_ALL_BYTES) -> tuple[str, bool]:
    """At most ``limit`` characters, cut at a line end; returns (text, was_cut)."""
    if len(text) <= limit:
        return text, False
    end = text.rfind("\n", 0, limit)
    return text[: end if end > 0 else limit], True


def hex_dump(data: bytes, limit: int = HEX_PAGE) -> str:
    """Offset, 16 bytes in hex, and their printable ASCII; the first ``limit`` bytes. Made
    by ``bytes.hex`` and ``translate``, not byte by byte: a page is drawn on the GUI thread."""
    lines = []
    for offset in range(0, min(len(data), limit), 16):
        chunk = data[offset : offset + 16]
        hexes = chunk.hex(" ")
        hexes = f"{hexes[:23]} {hexes[23:]}" if len(chunk) > 8 else hexes
        text = chunk.translate(_SHOWN_BYTES).decode("ascii")
        lines.append(f"{offset:08x}  {hexes:<48}  {text}")
    return "\n".join(lines)


def metadata_rows(payload: Payload) -> list[tuple[str, str]]:
    """Each metadata entry as text; values that are not readable text as ``base64:…``."""
    rows = []
    for key in sorted(payload.metadata):
        raw = bytes(payload.metadata[key])
        try:
            text = raw.decode("utf-8")
            if not all(ch in _PRINTABLE or ord(ch) > 127 for ch in text):
                raise ValueError
        except ValueError:
            text = "base64:" + base64.b64encode(raw).decode("ascii")
        rows.append((key, text))
    return rows


def payload_json_text(payload: Payload) -> str:
    """The proto JSON a codec server answers for this payload, indented."""
    return json.dumps(payload_to_json(payload), indent=2, ensure_ascii=False)


def value_text(view: ReadableValue) -> str:
    """The full text of a value (what "Copy value" copies)."""
    if view.kind == "json":
        return pretty_json(view.value)
    if view.kind == "null":
        return "null"
    if view.kind == "text":
        return str(view.value)
    if view.kind == "binary":
        return base64.b64encode(view.value).decode("ascii")
    return ""
