"""Redaction rules: each kind redacts exactly what it should, on random JSON values and on
payloads the SDK's ``DataConverter`` made, through ``decode --readable``.

The property is checked against a model written here from the rules' definition: walk
every value with its key and pointer, the first (outermost) value a rule matches is the
one replaced; nothing outside the matched set changes, nothing inside it survives.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import DataConverter

from inspector.commands.decode import DecodeRequest, decode_main
from inspector.config import ConfigError, parse_config
from inspector.redaction import REDACTED, Redaction, RedactionError, parse_rule
from tests.support.config import profile, write_config

KEYS = st.sampled_from(["ssn", "name", "email", "a", "b", "items", "~x/y", ""])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["secret-123", "4111 1111 1111 1111", "ok", "[redacted]"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=25,
)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


RULES = st.one_of(
    KEYS.filter(bool).map(lambda k: f"key:{k}"),
    st.lists(
        st.one_of(KEYS.map(_escape), st.just("*"), st.sampled_from(["0", "1"])), max_size=3
    ).map(lambda tokens: "path:" + "".join(f"/{t}" for t in tokens)),
    st.sampled_from([r"re:^secret", r"re:\d{4} \d{4}", "re:ok", "re:^$", "re:e"]),
)


def nodes(value: Any) -> list[tuple[tuple[str, ...], str | None, Any]]:
    """Every value inside ``value`` with its pointer tokens and its key, outermost first."""
    out: list[tuple[tuple[str, ...], str | None, Any]] = []
    todo: list[tuple[tuple[str, ...], str | None, Any]] = [((), None, value)]
    while todo:
        path, key, item = todo.pop(0)
        out.append((path, key, item))
        if isinstance(item, dict):
            todo.extend(((*path, k), k, v) for k, v in item.items())
        elif isinstance(item, list):
            todo.extend(((*path, str(i)), None, v) for i, v in enumerate(item))
    return out


def model_matches(rule: str, path: tuple[str, ...], key: str | None, item: Any) -> bool:
    """The rule's definition, read from the docs rather than from the implementation."""
    kind, _, rest = rule.partition(":")
    if kind == "key":
        return key == rest
    if kind == "path":
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in rest.split("/")[1:]]
        return len(tokens) == len(path) and all(
            t in ("*", p) for t, p in zip(tokens, path, strict=True)
        )
    return isinstance(item, str) and re.search(rest, item) is not None


def at(value: Any, path: tuple[str, ...]) -> Any:
    for token in path:
        value = value[int(token)] if isinstance(value, list) else value[token]
    return value


def same(a: Any, b: Any) -> bool:
    """Equal with types (``1`` is not ``1.0`` is not ``True``)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) and type(a) is type(b)


def check_property(value: Any, rules: list[str], result: Any, count: int) -> None:
    matched: list[tuple[str, ...]] = []
    for path, key, item in nodes(value):
        if any(path[: len(m)] == m for m in matched):
            continue  # inside a value already replaced
        if any(model_matches(r, path, key, item) for r in rules):
            matched.append(path)
    assert count == len(matched)
    for path in matched:  # nothing inside the matched set survives
        assert at(result, path) == REDACTED
    for path, _key, item in nodes(value):  # nothing outside it changes
        if any(path[: len(m)] == m for m in matched):
            continue
        shown = at(result, path)
        if isinstance(item, dict):
            assert isinstance(shown, dict) and list(shown) == list(item)
        elif isinstance(item, list):
            assert isinstance(shown, list) and len(shown) == len(item)
        else:
            assert same(shown, item), (path, item, shown)


@given(value=JSON, rules=st.lists(RULES, min_size=1, max_size=3))
@settings(max_examples=300, deadline=None)
def test_each_rule_kind_redacts_exactly_its_matches(value: Any, rules: list[str]) -> None:
    before = json.dumps(value)
    result = Redaction.parse(rules).apply(value)
    assert json.dumps(value) == before  # the input is never modified
    check_property(value, rules, result.value, result.count)


def test_rule_kinds_on_one_value() -> None:
    value = {
        "customer": {"name": "Zoë", "ssn": "123-45-6789"},
        "cards": [{"number": "4111 1111 1111 1111", "exp": "12/30"}, {"number": "5500"}],
        "note": "secret-42",
        "count": 3,
    }
    rules = Redaction.parse(["key:ssn", "path:/cards/*/number", r"re:^secret"])
    result = rules.apply(value)
    assert result.count == 4
    assert result.value == {
        "customer": {"name": "Zoë", "ssn": REDACTED},
        "cards": [{"number": REDACTED, "exp": "12/30"}, {"number": REDACTED}],
        "note": REDACTED,
        "count": 3,
    }
    # a redacted value is a string whatever it was: its type is not revealed
    assert Redaction.parse(["key:count"]).apply(value).value["count"] == REDACTED
    assert Redaction.parse(["key:customer"]).apply(value).count == 1  # not 3: it is whole


def test_rules_json_and_caption_name_the_rules() -> None:
    rules = Redaction.parse(["key:ssn", "re:^secret"])
    assert json.loads(rules.rules_json()) == ["key:ssn", "re:^secret"]
    assert rules.caption(2).startswith("redacted: 2 values by 2 rules (rules sha256: ")
    assert rules.sha256() in rules.caption(2)
    assert Redaction.parse(["key:ssn"]).caption(1).startswith("redacted: 1 value by 1 rule ")
    assert Redaction.of(["key:a", "key:b"], ["key:b", "key:c"]).texts == ["key:a", "key:b", "key:c"]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("ssn", "is not a rule (use key:NAME, path:/json/pointer or re:REGEX)"),
        ("key:", "key: needs a key name"),
        ("path:a/b", "a path is a JSON pointer starting with /"),
        ("re:(", "not a regular expression"),
    ],
)
def test_bad_rules_say_what_and_where(rule: str, message: str) -> None:
    with pytest.raises(RedactionError, match=re.escape(message)) as info:
        parse_rule(rule)
    assert str(info.value).startswith("--redact: ")


def test_config_rules_are_checked_with_the_file_and_key(tmp_path: Path) -> None:
    good = '[redaction]\nrules = ["key:ssn", "path:/a/*"]\n[profiles.p]\n'
    assert parse_config(good, source=tmp_path / "c.toml").redaction_rules == (
        "key:ssn",
        "path:/a/*",
    )
    with pytest.raises(ConfigError, match=r"c\.toml: redaction\.rules\[1\]: 'nope'"):
        parse_config(
            '[redaction]\nrules = ["key:ssn", "nope"]\n[profiles.p]\n', source=tmp_path / "c.toml"
        )
    with pytest.raises(ConfigError, match=r"redaction\.colour: unknown key"):
        parse_config("[redaction]\ncolour = 1\n[profiles.p]\n", source=tmp_path / "c.toml")


# -- through decode --readable, on payloads the SDK made ---------------------------------


def _sdk_document(values: list[Any]) -> bytes:
    return json_format.MessageToJson(Payloads(payloads=_sdk_payloads(values))).encode()


def _sdk_payloads(values: list[Any]) -> list[Payload]:
    return list(asyncio.run(DataConverter.default.encode(values)))


def _readable(doc: bytes, tmp: Path, *rules: str, config: Path | None = None) -> Any:
    src = tmp / "payloads.json"
    src.write_bytes(doc)
    out, err = io.BytesIO(), io.StringIO()  # decode writes bytes (it streams the document)
    req = DecodeRequest(
        file=str(src), readable=True, redact=rules, config=str(config) if config else None
    )
    code = asyncio.run(decode_main(req, out, err))
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())


@given(values=st.lists(JSON, min_size=1, max_size=3), rules=st.lists(RULES, min_size=1, max_size=3))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_readable_output_is_redacted_as_the_model_says(
    values: list[Any], rules: list[str], tmp_path: Path
) -> None:
    config = write_config(tmp_path, {"p": profile(namespaces=["*"])})
    payloads = _sdk_payloads(values)
    doc = json_format.MessageToJson(Payloads(payloads=payloads)).encode()
    shown = _readable(doc, tmp_path, *rules, config=config)
    redaction = Redaction.parse(rules)
    for sdk, payload in zip(payloads, shown["payloads"], strict=True):
        if not sdk.data:  # the SDK writes None as binary/null without data: nothing to redact
            assert payload == {"metadata": {"encoding": "binary/null"}, "data": None}
            continue
        value = json.loads(sdk.data)  # as the SDK wrote it (its JSON sorts keys)
        assert payload["metadata"] == {"encoding": "json/plain"}  # metadata stays
        result = redaction.apply(value)
        check_property(value, rules, payload["data"], result.count)


def test_readable_applies_config_rules_after_the_command_line(tmp_path: Path) -> None:
    text = '[redaction]\nrules = ["key:email"]\n[profiles.p]\nnamespaces = ["*"]\n'
    config = tmp_path / "config.toml"
    config.write_text(text)
    doc = _sdk_document([{"name": "Zoë", "email": "z@example.com", "ssn": "1"}])
    shown = _readable(doc, tmp_path, "key:ssn", config=config)
    assert shown["payloads"][0]["data"] == {"name": "Zoë", "email": REDACTED, "ssn": REDACTED}


def test_decode_without_readable_refuses_redact(tmp_path: Path) -> None:
    src = tmp_path / "p.json"
    src.write_bytes(_sdk_document(["x"]))
    done = subprocess.run(
        [sys.executable, "-m", "inspector.cli", "decode", str(src), "--redact", "key:a"],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        "payload-inspector decode: --redact needs --readable: without it the output is the "
        "codec server's exact answer"
    ]
