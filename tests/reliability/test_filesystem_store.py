"""Our filesystem store under attack and under a full disk.

- Claims come from documents users paste, so a claim is untrusted input: fuzzed claims must
  never make the driver open a file outside its root (an audit hook watches every ``open``)
  nor return anything but the blob the claim names; a sentinel payload sits next to the store.
- ``ENOSPC`` part-way through a write (in ``write``, ``fsync``, ``rename``, ``mkdir``) must be
  one clear ``StorageError`` (502 at the server), leave no blob and no temp file, and a later
  read of that claim must say "missing" — never hand back half a blob as valid.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import io
import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st
from temporalio.api.common.v1 import Payload
from temporalio.converter import StorageDriverClaim, StorageDriverRetrieveContext

from inspector.config import parse_config
from inspector.outcomes import ErrorKind, Stage
from inspector.pipeline import Pipeline
from inspector.references import Reference, make_reference_payload
from inspector.storage import filesystem
from inspector.storage.errors import (
    BadClaim,
    BlobMissing,
    IntegrityFailure,
    StorageError,
    StoreUnreachable,
)
from inspector.storage.filesystem import FilesystemDriver
from tests.reliability.fuzzing import bounded
from tests.support.config import filesystem_storage, profile, profiles_toml
from tests.support.http import ClientFactory, assert_error, post

WATCHED_THREAD = "claim-fuzz"
_opened: list[str] = []
_watching = threading.Event()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """Record every file opened by the driver's worker thread while a test watches."""
    if (
        event == "open"
        and _watching.is_set()
        and threading.current_thread().name.startswith(WATCHED_THREAD)
        and isinstance(args[0], str | bytes | os.PathLike)
    ):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed; it does nothing unless watching


@pytest.fixture
def watched_runner() -> Iterator[asyncio.Runner]:
    """An event loop whose worker threads (``asyncio.to_thread``) are the watched ones."""
    with asyncio.Runner() as runner:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=WATCHED_THREAD)
        runner.get_loop().set_default_executor(executor)
        _opened.clear()
        _watching.set()
        try:
            yield runner
        finally:
            _watching.clear()


def _blob(payload: Payload) -> tuple[bytes, str]:
    data = payload.SerializeToString()
    return data, hashlib.sha256(data).hexdigest()


SENTINEL = Payload(metadata={"encoding": b"json/plain"}, data=b'"the sentinel: never read"')
STORED = Payload(metadata={"encoding": b"json/plain"}, data=b'"a stored blob"')


def _make_store(tmp_path: Path) -> tuple[Path, str, str]:
    """A store with one blob, and the sentinel outside it: at the path a ``..`` would reach,
    under the sibling's content-addressed path, and as a plain file."""
    root = tmp_path / "store"
    driver = FilesystemDriver(root)
    asyncio.run(driver.store(None, [STORED]))  # type: ignore[arg-type]
    data, digest = _blob(SENTINEL)
    outside = [
        tmp_path / "sentinel",
        tmp_path / "sha256" / digest[:2] / digest,
        tmp_path / "other-store" / "sha256" / digest[:2] / digest,
        root.parent / digest,
    ]
    for path in outside:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root, _blob(STORED)[1], digest


def _keys(stored: str, sentinel: str) -> st.SearchStrategy[str]:
    hexes = st.text("0123456789abcdefABCDEF", min_size=0, max_size=70)
    pieces = st.sampled_from(
        [
            "..",
            ".",
            "/",
            "\\",
            "sha256",
            sentinel,
            sentinel[:2],
            stored,
            "%2e%2e",
            "\x00",
            "~",
            "sentinel",
            "other-store",
            "\u2024\u2024",
            "..\u2215",
            "/etc/passwd",
            "//",
            "\n",
        ]
    )
    return st.one_of(
        st.lists(pieces | hexes, max_size=8).map("".join),
        st.lists(pieces, max_size=6).map("/".join),
        st.just(f"sha256/{stored}"),
        st.just(f"sha256/{sentinel}"),
        st.builds(lambda p: f"sha256/{p}/{sentinel}", pieces),
        st.builds(lambda p: f"{p}sha256/{sentinel}", pieces),
        st.builds(lambda p: f"sha256/{sentinel}{p}", pieces),
        st.text(max_size=80),
    )


def _claims(stored: str, sentinel: str) -> st.SearchStrategy[dict[str, str]]:
    hashes = st.sampled_from([stored, sentinel, stored.upper(), "", "x" * 64]) | st.text(
        max_size=70
    )
    return st.fixed_dictionaries(
        {"key": _keys(stored, sentinel)},
        optional={
            "hash_algorithm": st.sampled_from(["sha256", "SHA256", "md5", "", "sha256 "]),
            "hash_value": hashes,
            "bucket": st.text(max_size=10),
            "path": st.sampled_from(["..", "/", "../sentinel"]),
        },
    )


def test_fuzzed_claims_never_leave_the_root(tmp_path: Path, watched_runner: asyncio.Runner) -> None:
    root, stored, sentinel = _make_store(tmp_path)
    driver = FilesystemDriver(root)
    real_root = root.resolve()
    ran: list[int] = []

    @bounded(500)
    @given(_claims(stored, sentinel))
    def check(claim: dict[str, str]) -> None:
        ran.append(1)
        before = len(_opened)
        try:
            [payload] = watched_runner.run(
                driver.retrieve(StorageDriverRetrieveContext(), [StorageDriverClaim(claim)])
            )
        except (BadClaim, BlobMissing) as e:
            assert "\n" not in str(e)
        else:
            # Only the one blob that is in the store, under exactly its claim, is ever read.
            assert payload == STORED and claim["key"] == f"sha256/{stored}"
        for path in _opened[before:]:
            assert Path(path).resolve().is_relative_to(real_root), path

    check()
    assert len(ran) == 500
    assert _opened, "the audit hook saw no open at all: it is not watching"


def test_crafted_references_through_the_pipeline_are_422(tmp_path: Path) -> None:
    """A pasted reference with an escaping claim is a per-payload 'missing' error (422)."""
    root, stored, sentinel = _make_store(tmp_path)
    pipeline = Pipeline(drivers=[FilesystemDriver(root)])
    crafted = [
        {"key": f"sha256/../../sha256/{sentinel[:2]}/{sentinel}"},
        {"key": str(tmp_path / "sentinel")},
        {"key": f"sha256/{sentinel}", "hash_value": sentinel},
        {"key": f"sha256/{stored}", "hash_value": sentinel},
        {"key": f"sha256/{stored}/../{sentinel}"},
    ]
    refs = [make_reference_payload(Reference("local.filesystem", c)) for c in crafted]
    outcomes = asyncio.run(pipeline.decode(refs))
    for outcome in outcomes:
        assert outcome.error is not None
        assert outcome.error.kind is ErrorKind.MISSING and outcome.error.kind.http_status == 422


# ---------------------------------------------------------------------------- ENOSPC


def _enospc() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _HalfWriter(io.BufferedWriter):
    """A file whose ``write`` puts half the bytes on disk, then finds the disk full."""

    def write(self, data: Any) -> int:
        view = memoryview(data)
        super().write(view[: len(view) // 2])
        super().flush()
        raise _enospc()


def _half_fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
    assert "b" in mode
    return _HalfWriter(io.FileIO(fd, "wb", closefd=True))


def _raise(*_: Any, **__: Any) -> Any:
    raise _enospc()


INJECTIONS = {
    "write": ("fdopen", _half_fdopen),
    "fsync": ("fsync", _raise),
    "rename": ("replace", _raise),
    "mkdir": ("mkdir", _raise),
}


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


BIG = Payload(metadata={"encoding": b"binary/plain"}, data=os.urandom(200_000))


@pytest.mark.parametrize("where", list(INJECTIONS))
async def test_disk_full_leaves_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    root = tmp_path / "store"
    driver = FilesystemDriver(root)
    name, replacement = INJECTIONS[where]
    with monkeypatch.context() as patch:
        if name == "mkdir":
            patch.setattr(Path, "mkdir", _raise)
        else:
            patch.setattr(filesystem.os, name, replacement)
        with pytest.raises(StorageError) as caught:
            await driver.store(None, [BIG])  # type: ignore[arg-type]
    error = caught.value
    assert isinstance(error, StoreUnreachable) and error.kind is ErrorKind.UNREACHABLE
    assert "No space left on device" in str(error) and "\n" not in str(error)
    assert _files(root) == [], "a blob or temp file was left behind"

    _, digest = _blob(BIG)
    claim = StorageDriverClaim(
        {"key": f"sha256/{digest}", "hash_algorithm": "sha256", "hash_value": digest}
    )
    if root.exists():
        with pytest.raises(BlobMissing):
            await driver.retrieve(StorageDriverRetrieveContext(), [claim])
    # Space is back: the same store works, and what it reads is the whole blob.
    [again] = await driver.store(None, [BIG])  # type: ignore[arg-type]
    assert again.claim_data == claim.claim_data
    assert await driver.retrieve(StorageDriverRetrieveContext(), [claim]) == [BIG]


async def test_half_written_blob_at_the_final_path_is_never_valid(tmp_path: Path) -> None:
    """What a non-atomic writer (another tool, a crash) leaves is an integrity error, and our
    next store of the same payload replaces it."""
    root = tmp_path / "store"
    driver = FilesystemDriver(root)
    data, digest = _blob(BIG)
    path = driver.blob_path(digest)
    path.parent.mkdir(parents=True)
    path.write_bytes(data[: len(data) // 2])
    claim = StorageDriverClaim(
        {"key": f"sha256/{digest}", "hash_algorithm": "sha256", "hash_value": digest}
    )
    with pytest.raises(IntegrityFailure):
        await driver.retrieve(StorageDriverRetrieveContext(), [claim])
    await driver.store(None, [BIG])  # type: ignore[arg-type]
    assert await driver.retrieve(StorageDriverRetrieveContext(), [claim]) == [BIG]


async def test_disk_full_through_pipeline_and_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_client: ClientFactory
) -> None:
    root = tmp_path / "store"
    monkeypatch.setattr(filesystem.os, "fsync", _raise)

    pipeline = Pipeline(drivers=[FilesystemDriver(root)], threshold=1024)
    [outcome] = await pipeline.encode([BIG])
    assert outcome.error is not None
    assert (outcome.error.kind, outcome.error.stage) == (ErrorKind.UNREACHABLE, Stage.STORE)

    storage = filesystem_storage(root, threshold=1024)
    profiles = profiles_toml({"default": profile(storage=storage)})
    client: TestClient = await make_client(parse_config(profiles, source=tmp_path / "config.toml"))
    answer = await post(client, "/encode", [BIG])
    message = assert_error(answer, 502, index=0, stage="store")
    assert "No space left on device" in message and "local.filesystem" in message
    assert _files(root) == []
