"""Evidence folders: an audit screenshot with what it showed, written so it can be checked later.

A folder holds the PNG (``screenshot.png``), the shown payload as JSON (``value.json``,
redacted as shown), the redaction rules applied (``rules.json``, command-line rules then the
config's) and ``manifest.json``: app version, time, the source's name and sha256 (of the
unredacted input), view, profile, the payload's location, the redaction counts, and the
sha256 of every other file. ``verify`` re-checks the hashes and the PNG's caption and, given
the source, decodes it again under that profile and view, re-applies the rules and compares.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from temporalio.api.common.v1 import Payload

from inspector import __version__, atomic_write
from inspector.config import Config
from inspector.documents import parse_document, payload_to_readable
from inspector.documents.redacted import redact_payload
from inspector.errors import InspectorError
from inspector.redaction import Redaction, RedactionError
from inspector.shown import read_source, show_document

FORMAT = "payload-inspector evidence 1"
PNG, VALUE, RULES, MANIFEST = "screenshot.png", "value.json", "rules.json", "manifest.json"
APP = "Payload Inspector"


class EvidenceError(InspectorError):
    """A folder that cannot be written, or is not an evidence folder at all (usage)."""


@dataclass(frozen=True)
class Shot:
    """What one evidence screenshot showed, besides the files themselves."""

    source_name: str
    source_sha256: str
    view: str
    profile: str
    namespace: str | None
    pointer: str
    label: str
    time_utc: str


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def value_json(payload: Payload) -> str:
    """``value.json``: the payload as ``--readable`` shows it, pretty, with a final newline."""
    return json.dumps(payload_to_readable(payload), indent=2, ensure_ascii=False) + "\n"


def prepare(directory: str | Path) -> Path:
    """The folder to write into, created if missing; ``EvidenceError`` if it cannot be."""
    target = Path(directory).expanduser()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise EvidenceError(f"{directory}: cannot create the folder: {e.strerror or e}") from None
    if not target.is_dir():
        raise EvidenceError(f"{directory}: not a folder")
    return target


def write_bundle(
    directory: Path, shown: Payload, redacted: int, redaction: Redaction, shot: Shot
) -> dict[str, Any]:
    """Write ``value.json``, ``rules.json`` and ``manifest.json`` beside the PNG already in
    ``directory``; returns the manifest. ``shown`` is the payload as shown (redacted)."""
    png = directory / PNG
    if not png.is_file():
        raise EvidenceError(f"{png}: the screenshot is missing")
    try:
        atomic_write.write_text(directory / VALUE, value_json(shown))
        atomic_write.write_text(directory / RULES, redaction.rules_json())
        manifest = {
            "format": FORMAT,
            "app": APP,
            "version": __version__,
            "time": shot.time_utc,
            "source": {"name": shot.source_name, "sha256": shot.source_sha256},
            "view": shot.view,
            "profile": shot.profile,
            "namespace": shot.namespace,
            "payload": {"pointer": shot.pointer, "label": shot.label},
            "redaction": {
                "rules": len(redaction.rules),
                "values": redacted,
                "rules_sha256": redaction.sha256(),
            },
            "files": {name: sha256_file(directory / name) for name in (PNG, VALUE, RULES)},
        }
        atomic_write.write_text(
            directory / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        )
    except OSError as e:
        raise EvidenceError(f"{directory}: cannot write: {e.strerror or e}") from None
    return manifest


# -- verifying ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One thing ``verify`` checked, whether it held, and what it saw."""

    name: str
    ok: bool
    detail: str = ""

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        return f"{mark}  {self.name}: {self.detail}" if self.detail else f"{mark}  {self.name}"


@dataclass(frozen=True)
class Report:
    checks: list[Check]

    @property
    def verified(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {"verified": self.verified, "checks": [asdict(c) for c in self.checks]}


def read_manifest(directory: str | Path) -> tuple[Path, dict[str, Any] | None, str]:
    """The folder, its manifest (None if it is not valid JSON: a tampered folder), and why."""
    folder = Path(directory).expanduser()
    if not folder.is_dir():
        raise EvidenceError(f"{directory}: no such folder")
    path = folder / MANIFEST
    if not path.is_file():
        raise EvidenceError(f"{directory}: no {MANIFEST}: not an evidence folder")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        return folder, None, f"cannot be read as JSON: {e}"
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return folder, None, f"not a {FORMAT!r} manifest"
    return folder, manifest, ""


async def verify(
    directory: str | Path, *, source: str | Path | None = None, config: Config | None = None
) -> Report:
    """Every check of an evidence folder; with ``source`` (and its ``config``), also that
    the shown value is what the source decodes to under the manifest's profile and view
    with the folder's rules re-applied."""
    folder, manifest, why = read_manifest(directory)
    if manifest is None:
        return Report([Check(MANIFEST, False, why)])
    checks = _file_checks(folder, manifest)
    redaction, rule_checks = _rules_checks(folder, manifest)
    checks += rule_checks
    checks.append(_caption_check(folder, manifest, redaction))
    if source is not None and config is not None and redaction is not None:
        checks += await _source_checks(folder, manifest, source, config, redaction)
    return Report(checks)


def _file_checks(folder: Path, manifest: dict[str, Any]) -> list[Check]:
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != {PNG, VALUE, RULES}:
        return [Check("files", False, f"the manifest must list {PNG}, {VALUE} and {RULES}")]
    checks = []
    for name, expected in files.items():
        path = folder / name
        if not path.is_file():
            checks.append(Check(name, False, "missing"))
            continue
        actual = sha256_file(path)
        if actual == expected:
            checks.append(Check(name, True, f"sha256 {actual}"))
        else:
            checks.append(Check(name, False, f"sha256 is {actual}, the manifest says {expected}"))
    return checks


def _rules_checks(folder: Path, manifest: dict[str, Any]) -> tuple[Redaction | None, list[Check]]:
    try:
        texts = json.loads((folder / RULES).read_text(encoding="utf-8"))
        if not isinstance(texts, list):
            raise ValueError("not a list of rules")
        redaction = Redaction.parse(texts, where=RULES)
    except (OSError, UnicodeDecodeError, ValueError, RedactionError) as e:
        return None, [Check("rules", False, f"{RULES} cannot be read: {e}")]
    recorded = manifest.get("redaction") or {}
    if recorded.get("rules_sha256") != redaction.sha256() or recorded.get("rules") != len(
        redaction.rules
    ):
        return redaction, [Check("rules", False, "the manifest names other rules than rules.json")]
    return redaction, [Check("rules", True, f"{len(redaction.rules)} rule(s)")]


def _caption_check(folder: Path, manifest: dict[str, Any], redaction: Redaction | None) -> Check:
    """The PNG's own caption (its ``Caption`` text chunk) names the same source and rules."""
    try:
        caption = png_text(folder / PNG).get("Caption", "")
    except (OSError, ValueError) as e:
        return Check("caption", False, f"{PNG} cannot be read: {e}")
    source = manifest.get("source") or {}
    wanted = [str(source.get("sha256")), str((manifest.get("payload") or {}).get("pointer"))]
    if redaction:
        wanted.append(redaction.sha256())
    missing = [w for w in wanted if w not in caption]
    if missing:
        return Check("caption", False, f"the PNG's caption does not name {missing[0]}")
    return Check("caption", True, "names the source's sha256, the payload and the rules")


async def _source_checks(
    folder: Path, manifest: dict[str, Any], source: str | Path, config: Config, rules: Redaction
) -> list[Check]:
    data, name = read_source(source)
    actual = hashlib.sha256(data).hexdigest()
    recorded = (manifest.get("source") or {}).get("sha256")
    if actual != recorded:
        return [Check("source", False, f"{name}: sha256 is {actual}, the manifest says {recorded}")]
    checks = [Check("source", True, f"sha256 {actual}")]
    doc = parse_document(data, source=name)
    pointer = (manifest.get("payload") or {}).get("pointer")
    index = next((i for i, f in enumerate(doc.payloads) if f.location.pointer == pointer), None)
    if index is None:
        return [*checks, Check("value", False, f"no payload at {pointer!r} in {name}")]
    shown = await show_document(
        doc,
        config,
        view=str(manifest.get("view")),
        redaction=Redaction(),
        profile=str(manifest.get("profile")),
        namespace=manifest.get("namespace"),
    )
    error = next((e for i, e in shown.failures if i == index), None)
    if error is not None:
        return [*checks, Check("value", False, f"the payload does not decode: {error.describe()}")]
    payload, count = redact_payload(shown.shown.get(index, doc.payloads[index].payload), rules)
    try:
        written = json.loads((folder / VALUE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        return [*checks, Check("value", False, f"{VALUE} cannot be read: {e}")]
    if written != json.loads(value_json(payload)):
        return [*checks, Check("value", False, f"{VALUE} is not what the source decodes to")]
    if (manifest.get("redaction") or {}).get("values") != count:
        return [*checks, Check("value", False, f"the rules redact {count} values here")]
    return [*checks, Check("value", True, f"{name} decodes to it ({count} values redacted)")]


def png_text(path: Path) -> dict[str, str]:
    """The PNG's text chunks (``tEXt``, ``zTXt``, ``iTXt``) by keyword; ValueError if not a PNG."""
    data = path.read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG")
    texts: dict[str, str] = {}
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            texts[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            texts[key.decode("latin-1")] = _inflate(rest[1:]).decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            compressed, rest = rest[0], rest[2:]
            _lang, _, rest = rest.partition(b"\0")
            _translated, _, text = rest.partition(b"\0")
            texts[key.decode("latin-1")] = (_inflate(text) if compressed else text).decode("utf-8")
        elif kind == b"IEND":
            break
    return texts


TEXT_LIMIT = 1 << 20  # a caption is a few hundred bytes; a PNG is untrusted input


def _inflate(data: bytes) -> bytes:
    """A compressed text chunk, refused beyond ``TEXT_LIMIT`` (no bomb in a PNG)."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, TEXT_LIMIT)
    except zlib.error as e:
        raise ValueError(f"a text chunk does not inflate: {e}") from None
    if inflater.unconsumed_tail:
        raise ValueError("a text chunk inflates beyond 1 MiB")
    return out
