"""Render the app icon's PNG sizes from its SVG sources (``make icons``).

The PNGs are committed: the desktop entry, the window and the About dialog use them as they
are, with no SVG renderer needed at run time. Sizes up to 32 px come from
``icon-small.svg``, a simplified drawing that stays legible in a panel or a menu; larger
sizes from ``icon.svg``. Rendering uses Qt's own SVG renderer (QtSvg, part of
PySide6-Essentials), so the build needs nothing beyond the app's dependencies.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "inspector" / "resources"
ICON_NAME = "payload-inspector"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SMALL_UP_TO = 32  # sizes at or below this use the simplified drawing


@dataclass(frozen=True)
class IconFile:
    """One PNG of the icon: its pixel size, the SVG it comes from and where it goes."""

    size: int
    source: Path
    target: Path


def icon_files(resources: Path = RESOURCES) -> list[IconFile]:
    """Every PNG the icon ships as, with its source drawing."""
    return [
        IconFile(
            size,
            resources / ("icon-small.svg" if size <= SMALL_UP_TO else "icon.svg"),
            resources / "icons" / f"{ICON_NAME}-{size}.png",
        )
        for size in SIZES
    ]


def render(source: Path, size: int) -> QImage:
    """The SVG drawn into a transparent ``size`` x ``size`` image, antialiased."""
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {source.name}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, help="write the PNGs here instead of inspector/resources/icons"
    )
    args = parser.parse_args(argv)
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for icon in icon_files():
        target = args.out / icon.target.name if args.out else icon.target
        target.parent.mkdir(parents=True, exist_ok=True)
        if not render(icon.source, icon.size).save(str(target), "PNG"):
            raise SystemExit(f"render_icons: cannot write {target}")
        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
