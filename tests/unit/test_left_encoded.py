"""Honest status: a payload a view should have decoded but left in a codec's encoding is
named (location, encoding, profile) by ``decode`` and ``screenshot``, and fails them under
``--strict``; histories made with the SDK's aes-gcm and zlib codecs, opened with the wrong
profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter

from inspector.left_encoded import left_in
from inspector.outcomes import Outcome
from inspector.references import Reference, make_reference_payload
from tests.support.aio import run_sync
from tests.support.cli import run_cli
from tests.support.encoded_histories import encoded_history, profiles_config

PLAIN = DataConverter.default.payload_converter.to_payloads([{"a": 1}])[0]
ENCRYPTED = Payload(metadata={"encoding": b"binary/encrypted"}, data=b"\x00" * 20)
REFERENCE = make_reference_payload(Reference("local.filesystem", {"key": "sha256/00"}))


@pytest.mark.parametrize(
    ("view", "raw", "result", "left"),
    [
        ("decoded", ENCRYPTED, ENCRYPTED, "binary/encrypted"),
        ("refs", ENCRYPTED, ENCRYPTED, "binary/encrypted"),
        ("raw", ENCRYPTED, ENCRYPTED, None),  # Raw decodes nothing: nothing to report
        ("download", ENCRYPTED, ENCRYPTED, None),  # Downloaded leaves non-references as they are
        ("download", REFERENCE, ENCRYPTED, "binary/encrypted"),  # …but not what it fetched
        ("decoded", PLAIN, PLAIN, None),
        ("refs", REFERENCE, REFERENCE, None),  # a reference of any form is storage's
        ("decoded", ENCRYPTED, None, None),  # a failure says why itself
    ],
)
def test_which_payloads_are_left_encoded(
    view: str, raw: Payload, result: Payload | None, left: str | None
) -> None:
    assert left_in(view, raw, result) == left
    outcome = Outcome(payload=result) if result is not None else None
    assert outcome is None or outcome.ok


@pytest.mark.parametrize(
    ("kind", "wrong", "right"),
    [("aes-gcm", "go", "payments"), ("zlib", "go", "zlib")],
)
def test_decode_names_each_left_encoded_payload_and_strict_fails(
    tmp_path: Path, kind: str, wrong: str, right: str
) -> None:
    history = encoded_history(tmp_path, kind)
    config = profiles_config(tmp_path)
    encoding = "binary/encrypted" if kind == "aes-gcm" else "binary/zlib"

    def decode(*args: str) -> tuple[int, bytes, bytes]:
        return run_sync(lambda: run_cli("decode", str(history), "--config", str(config), *args))

    code, out, err = decode("--profile", wrong)
    lines = err.decode().splitlines()
    assert code == 0 and json.loads(out)  # named, but not a failure without --strict
    assert len(lines) == 14  # every payload but the search attribute
    assert all(
        f": left encoded: no codec of profile '{wrong}' decodes {encoding}" in line
        for line in lines
    )
    assert lines[0].startswith(
        f"{history}: event 1 · WorkflowExecutionStarted · input[0] "
        "(/events/0/workflowExecutionStartedEventAttributes/input/payloads/0)"
    )
    code, out, err = decode("--profile", wrong, "--strict")
    assert code == 3 and out == b""  # like any exit 3: nothing on stdout
    assert len(err.decode().splitlines()) == 14
    code, out, _ = decode("--profile", wrong, "--strict", "--keep-going")
    assert code == 3 and json.loads(out)
    # the right profile decodes it all: nothing said, exit 0 even when strict
    code, out, err = decode("--profile", right, "--strict")
    assert (code, err) == (0, b"") and json.loads(out)
    # Raw decodes nothing, so it leaves nothing encoded
    code, _, err = decode("--profile", wrong, "--strict", "--view", "raw")
    assert (code, err) == (0, b"")


def test_screenshot_says_it_too_and_strict_still_writes_the_png(tmp_path: Path) -> None:
    history = encoded_history(tmp_path, "aes-gcm")
    config = profiles_config(tmp_path)
    out = tmp_path / "shot.png"
    code, _, err = run_sync(
        lambda: run_cli(
            "screenshot", str(history), "--config", str(config), "--profile", "go",
            "--strict", "-o", str(out),
        ),
        timeout=240,
    )  # fmt: skip
    lines = err.decode().splitlines()
    assert code == 3 and out.stat().st_size > 0
    assert len(lines) == 14
    assert all(
        "left encoded: no codec of profile 'go' decodes binary/encrypted" in x for x in lines
    )
