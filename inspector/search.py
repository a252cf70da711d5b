"""Search a document's payloads by what they hold, not only by their list's text.

A query is words (each must appear in the payload's row or its decoded value; "quoted
phrases" too) and terms: ``event=25``, ``type~Activity`` (``=`` exact, ``~`` and ``:`` contain,
any case), ``status:error``, ``encoding~gzip``, ``field~memo``, and a path into the value:
``$.customer.id == "42"`` (``==``, ``!=``, ``~``; the right side is JSON, else text). Terms
and words all have to hold. Matching runs over ``Searchable`` items made once per view
(no Qt, no pipeline): the GUI builds them off its thread and asks again on every keystroke.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from isal import isal_zlib

from inspector.errors import InspectorError

_PATH = re.compile(
    r"""(?P<path>\$(?:\.[^\s.\[=!~]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*)\s*"""
    r"""(?P<op>==|!=|~)\s*(?P<value>"(?:[^"\\]|\\.)*"|[^\s]+)"""
)
_FIELD = re.compile(r"^(?P<name>event|type|status|encoding|field)(?P<op>=|~|:)(?P<value>.+)$", re.I)
_STEP = re.compile(r"""\.([^.\[]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]""")
_MISSING = object()


class QueryError(InspectorError):
    """A query that cannot be read; the message says which part and why."""


@dataclass(frozen=True)
class Searchable:
    """What one payload offers to a search (texts already lower-cased)."""

    index: int
    event_id: int | None
    event_type: str
    status: str
    encoding: str
    field: str
    row_text: str
    # The decoded value as compact JSON (or text), lower-cased UTF-8; ``packed``: in zlib's
    # format (by ISA-L), as big documents keep it: a 100 MB history's values are ~440 MB of
    # text, kept in a quarter of that and unpacked, in two threads, for each search.
    value_bytes: bytes
    packed: bool = False
    # The decoded JSON value, read again for path terms (keeping every value parsed beside
    # its text would double what a big history costs in memory); None: not JSON.
    load: Callable[[], Any] | None = None


@dataclass(frozen=True)
class Term:
    name: str  # "text", "event", "type", "status", "encoding", "field", "path"
    op: str
    value: Any
    path: tuple[str | int, ...] = ()


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def words(self) -> list[str]:
        """The free-text words and phrases, for highlighting in a value."""
        return [t.value for t in self.terms if t.name == "text"]

    @property
    def needs_values(self) -> bool:
        return any(t.name in ("text", "path") for t in self.terms)


def parse_query(text: str) -> Query:
    """The query in ``text``; QueryError names the part it cannot read."""
    terms: list[Term] = []
    rest = []
    last = 0
    for m in _PATH.finditer(text):
        rest.append(text[last : m.start()])
        last = m.end()
        terms.append(
            Term("path", m.group("op"), _literal(m.group("value")), _steps(m.group("path")))
        )
    rest.append(text[last:])
    try:
        words = shlex.split(" ".join(rest), posix=True)
    except ValueError as e:
        raise QueryError(f"cannot read the query: {e}") from None
    for word in words:
        if word.startswith("$"):
            raise QueryError(f'{word}: a path needs an operator and a value, e.g. $.id == "42"')
        field = _FIELD.match(word)
        if field is None:
            terms.append(Term("text", "~", word.lower()))
            continue
        name, op, value = field.group("name").lower(), field.group("op"), field.group("value")
        if name == "event":
            if not value.isdigit():
                raise QueryError(f"{word}: an event id is a number, e.g. event=25")
            terms.append(Term(name, "=", int(value)))
        else:
            terms.append(Term(name, "=" if op == "=" else "~", value.lower()))
    return Query(tuple(terms))


def _literal(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _steps(path: str) -> tuple[str | int, ...]:
    steps: list[str | int] = []
    for m in _STEP.finditer(path[1:]):
        key, index, quoted = m.groups()
        if index is not None:
            steps.append(int(index))
        elif quoted is not None:
            steps.append(json.loads(f'"{quoted}"'))
        else:
            steps.append(key)
    return tuple(steps)


def _at(value: Any, path: Sequence[str | int]) -> Any:
    node = value
    for step in path:
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            node = node[step]
        elif isinstance(step, str) and isinstance(node, dict) and step in node:
            node = node[step]
        else:
            return _MISSING
    return node


def _holds(term: Term, item: Searchable, text: Callable[[], bytes]) -> bool:
    if term.name == "text":
        word: str = term.value
        return word in item.row_text or word.encode("utf-8") in text()
    if term.name == "event":
        return bool(item.event_id == term.value)
    if term.name == "path":
        found = _at(item.load(), term.path) if item.load is not None else _MISSING
        if found is _MISSING:
            return term.op == "!="
        if term.op == "~":
            shown = found if isinstance(found, str) else json.dumps(found, ensure_ascii=False)
            return str(term.value).lower() in shown.lower()
        same = _equal(found, term.value)
        return same if term.op == "==" else not same
    have = {
        "type": item.event_type,
        "status": item.status,
        "encoding": item.encoding,
        "field": item.field,
    }[term.name]
    return term.value in have if term.op == "~" else have == term.value


def _equal(found: Any, wanted: Any) -> bool:
    """JSON equality (``true`` is not ``1``), and a number equals its text (``42``, ``"42"``):
    ids travel as either."""
    if isinstance(found, bool) or isinstance(wanted, bool):
        return type(found) is type(wanted) and found == wanted
    if isinstance(found, str) != isinstance(wanted, str):
        plain = (int, float)
        if isinstance(found, plain) or isinstance(wanted, plain):
            return str(found) == str(wanted)
        return False
    return bool(found == wanted)


PARALLEL_BYTES = 4 * 1024 * 1024  # compressed values beyond this are searched in two threads


def _matches(terms: Sequence[Term], item: Searchable) -> bool:
    unpacked: list[bytes] = []

    def text() -> bytes:  # unpacked once per item, only when a word asks for it
        if not unpacked:
            data = item.value_bytes
            unpacked.append(isal_zlib.decompress(data) if item.packed and data else data)
        return unpacked[0]

    return all(_holds(t, item, text) for t in terms)


def matching(query: Query, items: Sequence[Searchable]) -> list[int]:
    """The payload indices whose items meet every term, in the items' order."""
    terms = query.terms
    if sum(len(i.value_bytes) for i in items) <= PARALLEL_BYTES:
        return [item.index for item in items if _matches(terms, item)]
    half = len(items) // 2  # inflating lets go of the GIL: two halves on two cores
    with ThreadPoolExecutor(2) as pool:
        parts = pool.map(
            lambda chunk: [i.index for i in chunk if _matches(terms, i)],
            (items[:half], items[half:]),
        )
        return [index for part in parts for index in part]


PLAIN_BYTES = 64 * 1024 * 1024  # values up to this much in all are kept as they are


def value_bytes(text: str | bytes, *, packed: bool) -> bytes:
    """Searchable text: lower-cased, UTF-8 (ASCII bytes are lowered as they are, no str
    made); ``packed``: zlib's format at ISA-L's level 1, which on JSON packs tighter than
    its level 0, and unpacks four times as fast."""
    if isinstance(text, bytes) and text.isascii():
        data = text.lower()
    else:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        data = text.lower().encode("utf-8", "replace")
    return isal_zlib.compress(data, 1) if packed and data else data


def value_text(value: Any) -> str:
    """A decoded value as searchable text: compact JSON (what a JSON payload's data is)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
