"""Writing a document back in the shape of its input, payloads swapped for the pipeline's results.

Replaced payloads are written in full proto JSON (a shorthand can only say ``json/plain``);
everything else, shorthand payloads that were not replaced included, stays exactly as it was.
The input is never modified: only the containers on the paths to replaced payloads are copied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from temporalio.api.common.v1 import Payload

from inspector.documents.json_text import dumps
from inspector.documents.model import Document, unescape
from inspector.documents.proto_json import payload_to_json
from inspector.documents.readable import payload_to_readable
from inspector.protobufs import MessageTypes


def _replacement_map(
    doc: Document, replacements: Mapping[int, Payload] | Sequence[Payload | None]
) -> dict[int, Payload]:
    """Normalise both accepted forms to {index: payload}; indexes must name found payloads."""
    items: list[tuple[int, Payload | None]]
    if isinstance(replacements, Mapping):
        items = list(replacements.items())
    else:
        items = list(enumerate(replacements))
    result: dict[int, Payload] = {}
    count = len(doc.payloads)
    for index, payload in items:
        if payload is None:
            continue
        if not isinstance(index, int) or not 0 <= index < count:
            raise IndexError(f"replacement index {index!r} out of range: {count} payload(s)")
        result[index] = payload
    return result


def _shallow(value: Any) -> Any:
    """A copy of one container level: enough to change it without touching the input."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def rebuild(root: Any, edits: list[tuple[str, Any]]) -> Any:
    """A copy of root with values set at pointers, copying only the containers on the paths.

    Untouched subtrees are shared with the input, which is never mutated: copying a 100 MB
    history for a few thousand payloads would cost more than the decode itself.
    """
    if not edits:
        return root
    new_root = _shallow(root)
    copied: dict[str, Any] = {"": new_root}
    for pointer, value in edits:
        if pointer == "":
            new_root = value
            continue
        tokens = pointer.split("/")[1:]
        parent = new_root
        prefix = ""
        for token in tokens[:-1]:
            prefix = f"{prefix}/{token}"
            child = copied.get(prefix)
            if child is None:
                key = _container_key(parent, token)
                child = _shallow(parent[key])
                parent[key] = child
                copied[prefix] = child
            parent = child
        parent[_container_key(parent, tokens[-1])] = value
    return new_root


def _container_key(container: Any, token: str) -> Any:
    """A pointer token as a list index or an (unescaped) object key."""
    return int(token) if isinstance(container, list) else unescape(token)


def write_document(
    doc: Document, replacements: Mapping[int, Payload] | Sequence[Payload | None]
) -> str:
    """The same document with payload i replaced by ``replacements[i]`` when given, as JSON.

    Replaced payloads are written as ``payload_to_json`` gives them (full proto JSON, also
    where the input had a shorthand); everything else is exactly as it was, keys in the
    original order. ``indent=2``, ``ensure_ascii=False``, no trailing newline.
    """
    chosen = _replacement_map(doc, replacements)
    edits = [
        (doc.payloads[i].location.pointer, payload_to_json(p)) for i, p in sorted(chosen.items())
    ]
    return dumps(rebuild(doc.root, edits), doc.source)


def render_readable(
    doc: Document,
    replacements: Mapping[int, Payload] | Sequence[Payload | None],
    types: MessageTypes | None = None,
) -> str:
    """The document for people: every payload (replaced or original) as ``payload_to_readable``
    (protobuf messages by ``types``, default the Temporal API's)."""
    chosen = _replacement_map(doc, replacements)
    edits = [
        (found.location.pointer, payload_to_readable(chosen.get(i, found.payload), types))
        for i, found in enumerate(doc.payloads)
    ]
    return dumps(rebuild(doc.root, edits), doc.source)
