"""What the user saves gets the usual permissions (reliability finding 12).

Exports and audit screenshots were written through ``mkstemp`` and kept its 0600, so a
file meant for sharing was readable by its owner only. Now they get 0666 less the umask,
still atomically; the settings file stays private (0600: it lists recently opened files).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from inspector.gui.audit import ScreenshotError, save_png
from inspector.gui.resources import SAMPLES_DIR
from inspector.gui.saving import write_atomically
from inspector.gui.settings import AppSettings
from tests.gui.conftest import Runner, WindowFactory, settle


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
def test_export_and_screenshot_follow_the_umask(
    umask: None,
    make_window: WindowFactory,
    run: Runner,
    settings_path: Path,
    tmp_path: Path,
    mask: int,
    expected: int,
) -> None:
    os.umask(mask)
    window = make_window()
    tab = window.open_path(SAMPLES_DIR / "payloads.json")
    run(settle(window))
    out = tmp_path / "out"
    out.mkdir()
    run(window.export(tab, out / "export.json"))
    shot = window.save_screenshot(out / "shot.png")
    assert json.loads((out / "export.json").read_text())["payloads"]
    assert not QImage(str(shot)).isNull()
    assert {p.name: _mode(p) for p in out.iterdir()} == {
        "export.json": expected,
        "shot.png": expected,
    }
    settings = AppSettings.at(settings_path)
    settings.add_recent_file(SAMPLES_DIR / "payloads.json")
    settings.sync()
    assert _mode(settings_path) == 0o600  # private whatever the umask


def test_failed_writes_keep_the_old_files_and_leave_no_temp(qapp: object, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    shot.write_bytes(b"old png")
    with pytest.raises(ScreenshotError, match="cannot write the PNG"):
        save_png(QImage(), shot)  # Qt refuses to write a null image, after the temp exists
    export = tmp_path / "export.json"
    (export / "kept").mkdir(parents=True)  # a directory in the way of the export
    with pytest.raises(OSError):
        write_atomically(export, "text")  # written to the temp file, then the rename fails
    assert shot.read_bytes() == b"old png" and [p.name for p in export.iterdir()] == ["kept"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.json", "shot.png"]
