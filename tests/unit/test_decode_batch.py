"""``decode FILE... --output-dir DIR``: one process, one output per input, ``decode``'s exit codes.

Each output must be byte for byte what ``decode FILE`` prints for that file; a file with a
failed payload gets no output and is named; a file that is no document is one line, exit 2;
inputs that would overwrite each other (or themselves) are refused before anything is written.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

from tests.support.cli import REPO_ROOT, cli_argv, cli_env

SAMPLES = REPO_ROOT / "inspector" / "resources" / "samples"
CONFIG = SAMPLES / "config.toml"


def _decode(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        cli_argv("decode", *args), env=cli_env(), cwd=REPO_ROOT, capture_output=True, timeout=120
    )


def _inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for sample in SAMPLES.glob("*.json"):
        shutil.copyfile(sample, folder / sample.name)
    (folder / "notes.txt").write_text("not a document, and not .json: left alone")
    return folder


def test_a_folder_decodes_to_one_output_each(tmp_path: Path) -> None:
    folder = _inputs(tmp_path)
    out = tmp_path / "out"
    result = _decode(str(folder), "--output-dir", str(out), "--config", str(CONFIG))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"" and result.stderr == b""  # no progress line off a terminal
    names = sorted(p.name for p in folder.glob("*.json"))
    assert sorted(p.name for p in out.iterdir()) == names
    for name in names:
        single = _decode(str(folder / name), "--config", str(CONFIG))
        assert single.returncode == 0
        assert (out / name).read_bytes() == single.stdout


def test_failures_are_named_and_get_no_output(tmp_path: Path) -> None:
    folder = _inputs(tmp_path)
    gzip = base64.b64encode(b"binary/gzip").decode()
    bad = {"payloads": [{"metadata": {"encoding": gzip}, "data": "AAAA"}]}
    (folder / "fails.json").write_text(json.dumps(bad))
    out = tmp_path / "out"
    result = _decode(str(folder), "--output-dir", str(out), "--config", str(CONFIG))
    assert result.returncode == 3
    [line] = result.stderr.decode().splitlines()
    assert line.startswith(f"{folder / 'fails.json'}: payloads[0] (/payloads/0): ")
    assert not (out / "fails.json").exists() and (out / "history.json").exists()
    kept = _decode(str(folder), "--output-dir", str(out), "--config", str(CONFIG), "--keep-going")
    assert kept.returncode == 3 and json.loads((out / "fails.json").read_text()) == bad

    (folder / "broken.json").write_text('{"payloads": [')
    broken = _decode(str(folder), "--output-dir", str(out), "--config", str(CONFIG))
    assert broken.returncode == 2
    assert "broken.json: not JSON" in broken.stderr.decode()
    assert "Traceback" not in broken.stderr.decode()


def test_inputs_that_would_collide_are_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        shutil.copyfile(SAMPLES / "payloads.json", folder / "same.json")
    out = tmp_path / "out"
    result = _decode(str(a / "same.json"), str(b / "same.json"), "--output-dir", str(out))
    assert result.returncode == 2 and "would both be written to" in result.stderr.decode()
    assert not out.exists() or not any(out.iterdir())
    onto_itself = _decode(str(a / "same.json"), "--output-dir", str(a))
    assert onto_itself.returncode == 2 and "is the input itself" in onto_itself.stderr.decode()
    assert (a / "same.json").read_bytes() == (SAMPLES / "payloads.json").read_bytes()
    several = _decode(str(a / "same.json"), str(b / "same.json"))
    assert several.returncode == 2 and "--output-dir" in several.stderr.decode()
