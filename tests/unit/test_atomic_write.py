"""``inspector.atomic_write``: the usual permissions (0666 less the umask), or private ones
when asked, and all or nothing (reliability finding 12: exports were written 0600)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from inspector import atomic_write


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize(
    ("mask", "public", "private"), [(0o022, 0o644, 0o600), (0o077, 0o600, 0o600)]
)
def test_modes_follow_the_umask(
    umask: None, tmp_path: Path, mask: int, public: int, private: int
) -> None:
    os.umask(mask)
    text = atomic_write.write_text(tmp_path / "a.json", '{"a": 1}', "\n")
    data = atomic_write.write_bytes(tmp_path / "b.bin", b"\x00\x01", private=True)
    with atomic_write.replacing(tmp_path / "c.png") as tmp:
        tmp.write_bytes(b"png")
    assert (_mode(text), _mode(data), _mode(tmp_path / "c.png")) == (public, private, public)
    assert text.read_text() == '{"a": 1}\n' and data.read_bytes() == b"\x00\x01"
    assert _names(tmp_path) == ["a.json", "b.bin", "c.png"]  # no temp file left


def test_replacing_a_private_file_gives_the_usual_mode(umask: None, tmp_path: Path) -> None:
    target = tmp_path / "export.json"
    target.write_text("old")
    target.chmod(0o600)
    atomic_write.write_text(target, "new")
    assert target.read_text() == "new" and _mode(target) == 0o644


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "shot.png"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_write.replacing(target) as tmp:
        tmp.write_bytes(b"half of it")
        raise RuntimeError("the writer failed")
    assert target.read_bytes() == b"old" and _names(tmp_path) == ["shot.png"]


def test_a_failed_rename_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "export.json"
    (target / "inside").mkdir(parents=True)  # a directory in the way: the rename fails
    with pytest.raises(OSError):
        atomic_write.write_text(target, "text")
    assert _names(tmp_path) == ["export.json"] and _names(target) == ["inside"]
