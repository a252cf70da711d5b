"""One registry of codec and driver kinds: the validator, the runtime and the README agree."""

from __future__ import annotations

import base64
import importlib
import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from inspector.config import (
    CODEC_KINDS,
    CODEC_TYPES,
    DRIVER_KINDS,
    DRIVER_TYPES,
    CodecSpec,
    ConfigError,
    Kind,
    Profile,
    codec_kind,
    driver_kind,
    parse_config,
)
from inspector.config.kinds import CODEC_KEYS, DRIVER_KEYS
from inspector.runtime import build_codec, build_driver

README = Path(__file__).resolve().parents[2] / "README.md"
KEY = base64.b64encode(bytes(32)).decode()


def _table(title: str, kinds: Mapping[str, Kind]) -> str:
    rows = [f"| {title} | keys | what it is |", "| --- | --- | --- |"]
    for kind in kinds.values():
        keys = ", ".join(f"`{key}`" for key in kind.keys) or "—"
        rows.append(f"| `{kind.name}` | {keys} | {kind.description} |")
    return "\n".join(rows)


@pytest.mark.parametrize(("title", "kinds"), [("codec", CODEC_KINDS), ("driver", DRIVER_KINDS)])
def test_the_readme_lists_the_registry(title: str, kinds: Mapping[str, Kind]) -> None:
    assert _table(title, kinds) in README.read_text(encoding="utf-8")


def test_the_readme_example_names_every_driver() -> None:
    example = re.search(r'^driver = "filesystem" +# (.*)$', README.read_text(), re.MULTILINE)
    assert example is not None
    assert example.group(1) == " | ".join(f'"{name}"' for name in DRIVER_TYPES)


def test_allowed_names_are_the_registry_in_its_order() -> None:
    with pytest.raises(ConfigError, match=re.escape(f"(allowed: {', '.join(CODEC_KINDS)})")):
        parse_config('[profiles.p]\ncodecs = ["brotli"]\n')
    with pytest.raises(ConfigError, match=re.escape(f"(allowed: {', '.join(DRIVER_KINDS)})")):
        parse_config('[profiles.p.storage]\ndriver = "azure"\n')
    assert CODEC_TYPES == tuple(CODEC_KINDS) and DRIVER_TYPES == tuple(DRIVER_KINDS)


@pytest.mark.parametrize("kind", CODEC_KINDS.values(), ids=CODEC_KINDS)
def test_a_codec_accepts_exactly_its_kinds_keys(kind: Kind) -> None:
    allowed = ", ".join(sorted({*CODEC_KEYS, *kind.keys}))
    text = f'[profiles.p]\ncodecs = [{{ type = "{kind.name}", nope = 1 }}]\n'
    with pytest.raises(ConfigError, match=re.escape(f"nope: unknown key (allowed: {allowed})")):
        parse_config(text)


@pytest.mark.parametrize("kind", DRIVER_KINDS.values(), ids=DRIVER_KINDS)
def test_a_driver_accepts_exactly_its_kinds_keys(kind: Kind) -> None:
    allowed = ", ".join(sorted({*DRIVER_KEYS, *kind.keys}))
    text = f'[profiles.p.storage]\ndriver = "{kind.name}"\nnope = 1\n'
    with pytest.raises(ConfigError, match=re.escape(f"nope: unknown key (allowed: {allowed})")):
        parse_config(text)


@pytest.mark.parametrize("kind", [*CODEC_KINDS.values(), *DRIVER_KINDS.values()])
def test_every_builder_exists(kind: Kind) -> None:
    module, _, attr = kind.builder.partition(":")
    assert callable(getattr(importlib.import_module(module), attr))


def test_the_runtime_builds_each_builtin_kind(tmp_path: Path) -> None:
    config = parse_config(f"""
[profiles.p]
codecs = ["gzip", "zlib", {{ type = "aes-gcm", keys = {{ k = "{KEY}" }} }},
          {{ type = "remote", url = "http://127.0.0.1:1/codec" }}]
[[profiles.p.storage]]
driver = "filesystem"
path = "{tmp_path}"
[[profiles.p.storage]]
driver = "s3"
bucket = "b"
buckets = ["old"]
region = "eu-west-1"
""")
    profile = config.profiles["p"]
    codecs = [build_codec(spec, namespace="ns") for spec in profile.codecs]
    assert [type(c).__name__ for c in codecs] == [
        "GzipCodec",
        "ZlibCodec",
        "AesGcmCodec",
        "RemoteCodec",
    ]
    fs, s3 = (build_driver(spec) for spec in profile.storage)
    assert (fs.name(), s3.name()) == ("local.filesystem", "aws.s3driver")
    assert s3.allowed_buckets == ("b", "old") and s3.region == "eu-west-1"


def test_labels_and_namespaces_come_from_the_registry() -> None:
    remote = CodecSpec(type="remote", url="http://h/c")
    python = CodecSpec(type="python", factory="m:a")
    assert [remote.label, python.label, CodecSpec(type="gzip").label] == [
        "remote(http://h/c)",
        "python(m:a)",
        "gzip",
    ]
    assert Profile(name="a", namespaces=("*",), proxy_codecs=(remote,)).sees_namespace
    assert not Profile(name="b", namespaces=("*",), codecs=(python,)).sees_namespace


def test_unknown_kinds_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown codec type 'brotli'"):
        codec_kind("brotli")
    with pytest.raises(ConfigError, match="unknown driver type 'azure'"):
        driver_kind("azure")


def test_the_validator_reads_every_kind_that_has_keys() -> None:
    from inspector.config import validation

    assert set(validation._CODEC_READERS) == {k.name for k in CODEC_KINDS.values() if k.keys}
    assert set(validation._DRIVER_READERS) == set(DRIVER_KINDS)
