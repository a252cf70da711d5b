"""The GUI's files: it never modifies an input, and what it writes is written atomically.

A scripted session in the real main window (``gui_session.py``, its own process) opens a
document, exports every view and saves a screenshot of each: the input keeps its bytes,
mtime and mode; each export equals what ``payload-inspector decode --view V`` prints; no
temp file is left. Then, with the disk "full" (a file size limit, so Qt's and libpng's C++
writes fail as well as Python's), replacing an export, the settings and a screenshot each
fails and leaves the previous file whole. (QSettings failed that: it reported success and
left a truncated settings file; settings now go through ``inspector.gui.settings_store``.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from temporalio.api.common.v1 import Payload

from inspector.config import load_config
from inspector.runtime import build_pipeline
from inspector.views import VIEWS
from tests.support.cli import run_cli, run_module
from tests.support.config import filesystem_storage, profile, write_config
from tests.support.http import to_json


async def run_gui_session(env: dict[str, str], *args: str) -> dict[str, Any]:
    code, out, err = await run_module("tests.reliability.gui_session", *args, env=env)
    assert code == 0, err.decode()[-2000:]
    assert b"Traceback" not in err, err.decode()[-2000:]
    return json.loads(out.decode().strip().splitlines()[-1])


def gui_env(tmp: Path) -> dict[str, str]:
    return {
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp / "home"),
        "XDG_CONFIG_HOME": str(tmp / "home" / "config"),
        "XDG_DATA_HOME": str(tmp / "home" / "data"),
    }


def _stat(path: Path) -> tuple[bytes, int, int, int]:
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, st.st_mode, st.st_ino


async def test_gui_session_keeps_its_input_and_exports_what_decode_prints(tmp_path: Path) -> None:
    store = tmp_path / "store"
    storage = filesystem_storage(store, threshold=300)
    config = write_config(
        tmp_path, {"default": profile(["gzip"], namespaces=["*"], storage=storage)}
    )
    pipeline = build_pipeline(load_config(config).profiles["default"])
    originals = [
        Payload(
            metadata={"encoding": b"json/plain"},
            data=json.dumps({"n": i, "pad": os.urandom(40 + 200 * i).hex()}).encode(),
        )
        for i in range(4)
    ]
    encoded = [o.payload for o in await pipeline.encode(originals)]
    await pipeline.aclose()
    document = tmp_path / "history-part.json"
    document.write_text(json.dumps(to_json(encoded), indent=2))
    os.chmod(document, 0o444)  # read-only, as exports from elsewhere often are
    before = _stat(document)
    out = tmp_path / "out"
    out.mkdir()
    env = gui_env(tmp_path)

    done = await run_gui_session(
        env, "session", str(config), str(document), str(out), str(tmp_path / "settings.json")
    )

    assert _stat(document) == before
    assert len(done["exports"]) == len(VIEWS) and len(done["screenshots"]) == len(VIEWS)
    for view in VIEWS:
        code, printed, err = await run_cli(
            "decode", str(document), "--config", str(config), "--view", view, env=env, cwd=tmp_path
        )
        assert code == 0, err
        exported = (out / f"{view}.json").read_bytes()
        assert json.loads(exported) == json.loads(printed), view
    leftovers = [p.name for d in (out, tmp_path) for p in d.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert json.loads((tmp_path / "settings.json").read_text())["documents/recent"] == [
        str(document)
    ]


async def test_full_disk_leaves_export_settings_and_screenshot_whole(tmp_path: Path) -> None:
    result = await run_gui_session(gui_env(tmp_path), "disk-full", str(tmp_path))
    assert result["export"] == "OSError 27"  # EFBIG: the write past the limit failed
    assert result["settings"].startswith("not written:") and "File too large" in result["settings"]
    assert result["screenshot"].startswith("ScreenshotError:")
    assert result["unchanged"] == ["export.json", "s.ini", "shot.png"]
    assert result["files"] == ["export.json", "s.ini", "shot.png"]  # no temp file left
