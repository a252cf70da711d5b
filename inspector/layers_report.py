"""An explanation's layers for people (text) and for tools (JSON): what ``explain`` prints.

Values are read as ``decode --readable`` reads them (``documents.readable``); the text form
shortens long values and shows binary data as its size and sha256, the JSON form keeps it all.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from inspector.diagnosis import Explanation
from inspector.documents import Location
from inspector.documents.readable import read_value
from inspector.layers import Layer

VALUE_CHARS = 240


def explanation_json(explanation: Explanation, source: str, where: Location) -> dict[str, Any]:
    """The whole explanation as one JSON object (data as base64, readable values as JSON)."""
    return {
        "source": source,
        "pointer": where.pointer,
        "label": where.label,
        "profile": explanation.profile,
        "ok": not explanation.failed,
        "problem": explanation.problem,
        "diagnosis": explanation.diagnosis,
        "layers": [_layer_json(i, layer) for i, layer in enumerate(explanation.layers)],
    }


def explanation_text(explanation: Explanation, source: str, where: Location) -> str:
    """A block per layer, then the problem and the diagnosis, each on its own line."""
    lines = [f"{source}: {where.label} ({where.pointer or '/'}), profile '{explanation.profile}'"]
    for i, layer in enumerate(explanation.layers):
        lines += _layer_text(i, layer)
    if explanation.problem is not None:
        lines.append(f"problem: {explanation.problem}")
    if explanation.diagnosis is not None:
        lines.append(f"diagnosis: {explanation.diagnosis}")
    return "\n".join(lines) + "\n"


def layer_value_text(layer: Layer, limit: int | None = VALUE_CHARS) -> str:
    """The layer's data as people read it: a JSON value, text, or its size and sha256."""
    if layer.payload is None:
        return ""
    value = read_value(layer.payload)
    if value.kind == "binary":
        digest = hashlib.sha256(value.value).hexdigest()
        return f"{value.size} bytes of binary data, sha256 {digest}"
    if value.kind in ("null", "empty"):
        return "null" if value.kind == "null" else "(no data)"
    text = json.dumps(value.value, ensure_ascii=False) if value.is_json else str(value.value)
    if limit is not None and len(text) > limit:
        return text[:limit] + f"… ({len(text)} characters)"
    return text


def _layer_text(index: int, layer: Layer) -> list[str]:
    if layer.error is not None:
        return [f"layer {index}: {layer.title} — FAILED: {layer.error.message}"]
    passed = "" if layer.changed else " (passed through: not its encoding)"
    head = f"layer {index}: {layer.title} — {layer.encoding or 'no encoding'}, {layer.size} bytes"
    lines = [head + passed]
    lines += [f"    {name}: {text}" for name, text in layer.details]
    metadata = "; ".join(f"{key}={text}" for key, text in layer.metadata.items())
    lines.append(f"    metadata: {metadata or '(none)'}")
    lines.append(f"    value: {layer_value_text(layer)}")
    return lines


def _layer_json(index: int, layer: Layer) -> dict[str, Any]:
    out: dict[str, Any] = {
        "index": index,
        "step": layer.step.value,
        "component": layer.component,
    }
    if layer.error is not None:
        error = layer.error
        out["error"] = {
            "kind": error.kind.value,
            "stage": error.stage.value,
            "component": error.component,
            "message": error.message,
        }
        return out
    value = read_value(layer.payload) if layer.payload is not None else None
    out.update(
        encoding=layer.encoding,
        metadata=layer.metadata,
        size=layer.size,
        dataBytes=len(layer.data),
        sha256=hashlib.sha256(layer.data).hexdigest(),
        data=base64.b64encode(layer.data).decode("ascii"),
        value=value.as_json() if value is not None and value.kind != "binary" else None,
        details=dict(layer.details),
        changed=layer.changed,
    )
    return out
