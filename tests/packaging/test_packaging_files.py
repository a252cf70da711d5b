"""The desktop packaging's own files, checked without building anything.

The icon PNGs are committed renders of the SVGs (a stale PNG after an SVG edit is a bug);
the desktop entry and AppStream metainfo agree with each other and with the app;
install-desktop installs and removes exactly its files. packaging/smoke.sh checks the
PyInstaller build itself.
"""

from __future__ import annotations

import configparser
import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from inspector import __version__

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / "payload-inspector.desktop"
METAINFO = LINUX / "io.github.payload_inspector.PayloadInspector.metainfo.xml"
INSTALL = LINUX / "install-desktop.sh"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


@functools.cache
def _render_icons() -> ModuleType:
    """packaging/render_icons.py, which is a script rather than a package module."""
    spec = importlib.util.spec_from_file_location(
        "render_icons", ROOT / "packaging" / "render_icons.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_every_icon_size_is_a_png_of_that_size(qapp: QApplication) -> None:
    icons = _render_icons().icon_files()
    assert [icon.size for icon in icons] == list(SIZES)
    for icon in icons:
        image = QImage(str(icon.target))
        assert not image.isNull(), icon.target.name
        assert (image.width(), image.height()) == (icon.size, icon.size), icon.target.name
        centre = image.pixelColor(icon.size // 2, icon.size // 2)
        assert centre.alpha() == 255, f"{icon.target.name}: the tile is not opaque"


def test_committed_pngs_are_renders_of_the_svgs(qapp: QApplication) -> None:
    """An SVG edited without `make icons` leaves stale PNGs: fail with the fix."""
    render_icons = _render_icons()
    for icon in render_icons.icon_files():
        fresh = render_icons.render(icon.source, icon.size)
        committed = QImage(str(icon.target)).convertToFormat(fresh.format())
        different = sum(
            1
            for y in range(icon.size)
            for x in range(icon.size)
            if _far(fresh.pixelColor(x, y).getRgb(), committed.pixelColor(x, y).getRgb())
        )
        share = different / (icon.size * icon.size)
        assert share < 0.01, f"{icon.target.name} differs from {icon.source.name}: run make icons"


def _far(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) > 24  # antialiasing may drift


def test_app_icon_offers_every_rendered_size(qapp: QApplication) -> None:
    from inspector.gui.resources import app_icon

    sizes = {(s.width(), s.height()) for s in app_icon().availableSizes()}
    assert {(n, n) for n in SIZES} <= sizes


def test_desktop_entry_matches_the_app() -> None:
    from inspector.gui.app import create_application

    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Payload Inspector"
    assert entry["Exec"] == "payload-inspector gui %f"  # install-desktop rewrites the program
    assert entry["Icon"] == "payload-inspector"
    assert "application/json" in entry["MimeType"].split(";")
    assert entry["Terminal"] == "false"
    # The window's app id (Wayland) / WM_CLASS must name this entry, or docks show no icon.
    app = create_application()
    assert f"{app.desktopFileName()}.desktop" == DESKTOP.name
    assert entry["StartupWMClass"] == app.desktopFileName()


@pytest.mark.skipif(
    not shutil.which("desktop-file-validate"), reason="packaging/smoke.sh validates"
)
def test_desktop_entry_validates() -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_describes_this_app() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert METAINFO.name == f"{root.findtext('id')}.metainfo.xml"
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == "payload-inspector"
    assert root.findtext("provides/mediatype") == "application/json"
    releases = [r.get("version") for r in root.iter("release")]
    assert releases and releases[0] == __version__, "add a <release> for this version"


def test_install_desktop_installs_and_removes_its_files(tmp_path: Path) -> None:
    home, data = tmp_path / "home", tmp_path / "home" / "share"
    home.mkdir()
    program = tmp_path / "my apps" / 'payload "inspector"'
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(data),
        "PAYLOAD_INSPECTOR_BUNDLE": str(tmp_path / "no-build"),
    }
    run = {"env": env, "capture_output": True, "text": True, "timeout": 60, "check": True}
    subprocess.run(["bash", str(INSTALL), "--exec", str(program)], **run)  # type: ignore[call-overload]

    installed = data / "applications" / "payload-inspector.desktop"
    lines = installed.read_text().splitlines()
    # The desktop spec's quoting: the path in double quotes, " escaped, then \ doubled.
    quoted = str(program).replace('"', '\\\\"')
    assert f'Exec="{quoted}" gui %f' in lines
    assert f"TryExec={program}" in lines
    for size in SIZES:
        assert (
            data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "payload-inspector.png"
        ).is_file()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "payload-inspector.svg").is_file()
    assert (data / "metainfo" / METAINFO.name).is_file()

    subprocess.run(["bash", str(INSTALL), "--uninstall"], **run)  # type: ignore[call-overload]
    left = [p for p in data.rglob("*") if p.is_file() and "payload-inspector" in p.name]
    assert left == []
