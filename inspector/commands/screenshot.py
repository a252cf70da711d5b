"""``payload-inspector screenshot FILE -o OUT.png``: the app's view of FILE, rendered headless.

The same window, view and pipeline as the app, offscreen; the PNG carries the audit
caption. ``--redact`` hides values as the app's rules do; ``--evidence DIR`` also writes the
evidence folder (``inspector.evidence``) that ``verify`` checks. Exit codes are the
commands' ``ExitCode``: 2 for bad input, usage or config (one line on stderr), 3 when
payloads failed in the view or, with --strict, were left in a codec's encoding (named on
stderr either way; the PNG is still written, showing them), 0 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import qInstallMessageHandler

from inspector import evidence
from inspector.commands import ExitCode, UsageError, fail, request_from, view_option
from inspector.config import load_config
from inspector.errors import InspectorError
from inspector.gui.loading import LoadedDocument, ReadError, parse_owned
from inspector.redaction import Redaction

PROG = "payload-inspector screenshot"
WINDOW_SIZE = (1440, 900)


@dataclass(frozen=True)
class ScreenshotRequest:
    """What the user asked of ``screenshot``."""

    file: str
    output: str | None = None
    view: str = "decoded"
    config: str | None = None
    profile: str | None = None
    namespace: str | None = None
    select: str | None = None
    strict: bool = False
    redact: Sequence[str] = ()
    evidence: str | None = None


def main(args: argparse.Namespace) -> int:
    """``payload-inspector screenshot``, from its parsed arguments."""
    return run_screenshot(request_from(args, ScreenshotRequest))


def run_screenshot(req: ScreenshotRequest) -> int:
    """Render FILE in VIEW to OUTPUT (PNG); returns the exit code."""
    try:
        view_option(req.view)
        if req.profile is not None and req.namespace is not None:
            raise UsageError("--profile and --namespace exclude each other")
        if req.output is None and req.evidence is None:
            raise UsageError("give -o OUT.png, --evidence DIR, or both")
        out = Path(req.output).expanduser() if req.output is not None else None
        if out is not None and not out.parent.is_dir():
            raise UsageError(f"-o {req.output}: no such directory: {out.parent}")
        Redaction.parse(req.redact)
        folder = evidence.prepare(req.evidence) if req.evidence is not None else None
        loaded_config = load_config(req.config)
        loaded_config.select(profile=req.profile, namespace=req.namespace)
        path = Path(req.file).expanduser()
        try:
            box = [path.read_bytes()]
        except OSError as e:
            raise ReadError(f"{req.file}: cannot read: {e.strerror or e}") from None
        # handed over: the bytes go once they are text, the text once it is a tree
        loaded = parse_owned(box, path.name, path, keep_limit=0)
        pointers = [found.location.pointer for found in loaded.doc.payloads]
        if not pointers:
            raise UsageError(f"{req.file}: the document holds no payloads")
        if req.select is not None and req.select not in pointers:
            raise UsageError(
                f"--select: no payload at {req.select!r} in {req.file} "
                f"(the first is at {pointers[0] or '/'!r})"
            )
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # headless unless told
        return _render(loaded, req, out, folder, req.select or pointers[0])
    except InspectorError as e:
        return fail(PROG, str(e))


def _render(
    loaded: LoadedDocument,
    req: ScreenshotRequest,
    out: Path | None,
    folder: Path | None,
    pointer: str,
) -> int:
    # The window stack is imported only once the inputs are known to be good.
    import qasync

    from inspector.gui.app import create_application, quiet_offscreen
    from inspector.gui.collector import MainThreadCollector
    from inspector.gui.main_window import MainWindow
    from inspector.gui.settings import AppSettings

    previous_handler = qInstallMessageHandler(quiet_offscreen)
    app = create_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    collector = MainThreadCollector()
    # One picture of what the chosen profile does: no other profile is taken, no index built.
    window = MainWindow(config_path=req.config, settings=AppSettings.ephemeral(), interactive=False)
    window.resize(*WINDOW_SIZE)

    async def main() -> int:
        window.new_choice.select_exact(profile=req.profile, namespace=req.namespace)
        window.session.set_rules(req.redact)
        window._refresh_profiles()
        window.set_view(req.view)
        window.show()
        tab = window.open_loaded(loaded)
        await window.runner.wait_idle(timeout=300)
        tab.select_pointer(pointer)
        await window.runner.wait_idle(timeout=300)
        for _ in range(4):  # let layouts and paints happen (the loop runs Qt meanwhile)
            await asyncio.sleep(0.05)
        if folder is not None:
            window.save_evidence(folder)
        if out is not None:
            window.save_screenshot(out)
        failures = [(i, o) for i, o in sorted((tab.outcomes or {}).items()) if o.error is not None]
        for i, outcome in failures:
            assert outcome.error is not None
            where = tab.loaded.doc.payloads[i].location if tab.loaded else None
            label = f"{where.label} ({where.pointer or '/'})" if where else str(i)
            print(f"{PROG}: {label}: {outcome.error.describe()}", file=sys.stderr)
        left = tab.left_encoded_rows()
        for row in left:
            named = f"{row.label} ({row.pointer or '/'})"
            print(f"{PROG}: {named}: left encoded: {row.left_reason}", file=sys.stderr)
        failed = bool(failures) or (req.strict and bool(left))
        return ExitCode.DECODE_FAILED if failed else ExitCode.OK

    try:
        code: int = loop.run_until_complete(main())
        return code
    finally:
        loop.run_until_complete(window.shutdown())
        window.close()
        window.deleteLater()
        loop.run_until_complete(asyncio.sleep(0))  # the window is deleted on this thread
        collector.stop()
        loop.close()
        asyncio.set_event_loop(None)
        qInstallMessageHandler(previous_handler)
