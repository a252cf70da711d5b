"""Redaction rules: what an audit screenshot, an export or ``--readable`` must not show.

Rules are parsed once and applied to a *value* after it is read for people, never to the
source or to the pipeline's work: ``key:NAME`` (every value under a key of that name, at any
depth), ``path:/a/*/b`` (a JSON pointer inside the value, ``*`` matching one level) and
``re:REGEX`` (string values in which the expression is found). A redacted value becomes the
string ``"[redacted]"`` whatever it was, so its type is not revealed; keys, list lengths and
everything else stay. Rules are written as ``rules.json`` (a JSON list of the rule texts), and
its sha256 is what a caption or an evidence manifest names.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from inspector.errors import InspectorError

REDACTED = "[redacted]"
RULE_KINDS = ("key", "path", "re")
RuleKind = Literal["key", "path", "re"]


class RedactionError(InspectorError, ValueError):
    """A rule that cannot be used; the message names where it came from and why."""


@dataclass(frozen=True)
class Rule:
    """One rule, as written (``text``) and as it matches."""

    text: str
    kind: RuleKind
    name: str = ""  # key:
    tokens: tuple[str, ...] = ()  # path: the unescaped pointer tokens, "*" for any
    pattern: re.Pattern[str] | None = None  # re:


def parse_rule(text: str, where: str = "--redact") -> Rule:
    """One rule from its text; ``RedactionError`` naming ``where`` and the rule kinds."""
    if not isinstance(text, str):
        raise RedactionError(f"{where}: expected a rule string, got {type(text).__name__}")
    kind, sep, rest = text.partition(":")
    if not sep or kind not in RULE_KINDS:
        raise RedactionError(
            f"{where}: {_shown(text)} is not a rule (use key:NAME, path:/json/pointer or re:REGEX)"
        )
    if kind == "key":
        if not rest:
            raise RedactionError(f"{where}: {_shown(text)}: key: needs a key name")
        return Rule(text, "key", name=rest)
    if kind == "path":
        if rest and not rest.startswith("/"):
            raise RedactionError(
                f"{where}: {_shown(text)}: a path is a JSON pointer starting with / (or empty)"
            )
        tokens = tuple(_unescape(t) for t in rest.split("/")[1:]) if rest else ()
        return Rule(text, "path", tokens=tokens)
    try:
        pattern = re.compile(rest)
    except re.error as e:
        raise RedactionError(f"{where}: {_shown(text)}: not a regular expression: {e}") from None
    return Rule(text, "re", pattern=pattern)


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _shown(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:80] + "…")


@dataclass(frozen=True)
class Redacted:
    """A value with the rules applied, and how many values they replaced."""

    value: Any
    count: int


@dataclass(frozen=True)
class Redaction:
    """The rules in effect, in order (command-line rules first, then the config's)."""

    rules: tuple[Rule, ...] = ()

    @classmethod
    def parse(cls, texts: Iterable[str], where: str = "--redact") -> Redaction:
        return cls(tuple(parse_rule(t, where) for t in texts))

    @classmethod
    def of(cls, *groups: Iterable[str], where: str = "--redact") -> Redaction:
        """The rules of several sources in order; a rule given twice is kept once."""
        seen: dict[str, None] = {}
        for group in groups:
            seen.update(dict.fromkeys(group))
        return cls.parse(seen, where)

    def __bool__(self) -> bool:
        return bool(self.rules)

    @property
    def texts(self) -> list[str]:
        return [r.text for r in self.rules]

    def rules_json(self) -> str:
        """``rules.json``: the rule texts as a JSON list, one a line, with a final newline."""
        return json.dumps(self.texts, indent=2, ensure_ascii=False) + "\n"

    def sha256(self) -> str:
        """The sha256 of ``rules_json()``, the rules' name in captions and manifests."""
        return hashlib.sha256(self.rules_json().encode("utf-8")).hexdigest()

    def caption(self, count: int) -> str:
        """The audit caption's line: ``redacted: N values by K rules (rules sha256 …)``."""
        k = len(self.rules)
        values = "value" if count == 1 else "values"
        rules = "rule" if k == 1 else "rules"
        return f"redacted: {count} {values} by {k} {rules} (rules sha256: {self.sha256()})"

    def apply(self, value: Any) -> Redacted:
        """A copy of ``value`` with every matched value replaced; the input is not modified.

        A value matches when its key is a ``key:`` name, its pointer fits a ``path:`` rule,
        or it is a string a ``re:`` rule finds its expression in; a matched value is
        replaced whole (nothing below it is looked at or counted). Iterative: depth is
        bounded by what the value's reader allowed, not by Python's stack.
        """
        if not self.rules:
            return Redacted(value, 0)
        count = 0
        holder: list[Any] = [None]
        # (value, its key or None, its path, the container to write into, where)
        stack: list[tuple[Any, str | None, tuple[str, ...], Any, Any]] = [
            (value, None, (), holder, 0)
        ]
        while stack:
            item, key, path, into, slot = stack.pop()
            if self._matches(item, key, path):
                into[slot] = REDACTED
                count += 1
            elif isinstance(item, dict):
                copy: dict[str, Any] = dict.fromkeys(item)
                into[slot] = copy
                for k, v in item.items():
                    stack.append((v, k, (*path, k), copy, k))
            elif isinstance(item, list):
                items: list[Any] = [None] * len(item)
                into[slot] = items
                for i, v in enumerate(item):
                    stack.append((v, None, (*path, str(i)), items, i))
            else:
                into[slot] = item
        return Redacted(holder[0], count)

    def _matches(self, item: Any, key: str | None, path: tuple[str, ...]) -> bool:
        for rule in self.rules:
            if rule.kind == "key":
                if key is not None and key == rule.name:
                    return True
            elif rule.kind == "path":
                if len(rule.tokens) == len(path) and all(
                    t == "*" or t == p for t, p in zip(rule.tokens, path, strict=True)
                ):
                    return True
            elif isinstance(item, str) and rule.pattern is not None and rule.pattern.search(item):
                return True
        return False


NO_REDACTION = Redaction()
