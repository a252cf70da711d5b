"""Our filesystem store trusts nothing it finds in its directory (finding 7 of "bounds").

Other tools write into a store, so its entries are hostile input like any claim:

- a symlink — the blob itself, or the ``sha256`` or shard directory on the way — pointing out
  of the store is refused, and the error says nothing about what it points to (no hash of
  the foreign content, no path);
- a FIFO, ``/dev/zero`` (through a symlink, or as a device node) or an oversized file is
  refused before a byte is read, so no worker thread is held;
- a read the pipeline's timeout gives up on really stops (within a chunk): the worker's own
  CPU clock and the process's read counter (``/proc/self/io``) show it;
- temp files a killed writer left (a real ``kill -9`` mid-``store``) are swept on first use,
  while a concurrent writer's fresh ones stay; the sweep is bounded;
- after all of that the store still answers a normal retrieval at once (no starved threads).

Each async test runs its store calls on a one-thread executor, so a stuck thread shows as a
later call that never runs; FIFOs are opened for writing at teardown, so even a reader that
did block (the code before this fix) ends and the test process is never left hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import stat
import sys
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from temporalio.api.common.v1 import Payload
from temporalio.converter import StorageDriverClaim, StorageDriverRetrieveContext

from inspector.config import parse_config
from inspector.outcomes import ErrorKind, Outcome
from inspector.pipeline import Pipeline
from inspector.references import Reference, make_reference_payload
from inspector.storage.errors import StoreUnreachable
from inspector.storage.filesystem import (
    CHUNK_BYTES,
    MAX_BLOB_BYTES,
    STALE_TEMP_SECONDS,
    TEMP_PREFIX,
    FilesystemDriver,
    sweep_stale_temps,
)
from tests.support.cli import REPO_ROOT
from tests.support.config import filesystem_storage, profile, profiles_toml
from tests.support.http import ClientFactory, assert_error, post

MIB = 1024 * 1024
STORED = Payload(metadata={"encoding": b"json/plain"}, data=b'"an honest blob"')
SENTINEL = Payload(metadata={"encoding": b"json/plain"}, data=b'"outside the store: never read"')
FOREIGN = b"a file outside the store, whose hash must not leak"


def _blob(payload: Payload) -> tuple[bytes, str]:
    data = payload.SerializeToString()
    return data, hashlib.sha256(data).hexdigest()


def _claim(digest: str) -> StorageDriverClaim:
    return StorageDriverClaim(
        {"key": f"sha256/{digest}", "hash_algorithm": "sha256", "hash_value": digest}
    )


def _ref(digest: str, driver: str = "local.filesystem") -> Payload:
    return make_reference_payload(Reference(driver, dict(_claim(digest).claim_data)))


def _slot(root: Path, digest: str) -> Path:
    """The blob's path, its shard directory made (as a real directory)."""
    path = root / "sha256" / digest[:2] / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _store_digest() -> str:
    return _blob(STORED)[1]


def _store(tmp_path: Path) -> tuple[Path, str]:
    """A store holding STORED, written by our own driver."""
    root = tmp_path / "store"
    data, digest = _blob(STORED)
    _slot(root, digest).write_bytes(data)
    return root, digest


def _bytes_read() -> int:
    """Bytes this process has read through ``read`` calls so far (``rchar``)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


def _tree(directory: Path) -> dict[str, bytes | None]:
    """Every entry below ``directory`` (links not followed) and a regular file's content."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        if p.is_file() and not p.is_symlink()
        else None
        for p in sorted(directory.rglob("*"))
    }


class Worker:
    """The only worker thread of the test's event loop: its CPU clock, and a way to see it
    is free again (a no-op job that can only run once everything before it has ended)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, ident: int) -> None:
        self.loop = loop
        self.clock = time.pthread_getcpuclockid(ident)
        self.fifos: list[Path] = []

    def cpu_seconds(self) -> float:
        return time.clock_gettime(self.clock)

    async def free_within(self, seconds: float) -> float:
        """How long until the worker ran a no-op job; fails if it did not within ``seconds``."""
        started = time.monotonic()
        try:
            await asyncio.wait_for(self.loop.run_in_executor(None, lambda: None), seconds)
        except TimeoutError:
            raise AssertionError(f"the worker thread was still busy after {seconds} s") from None
        return time.monotonic() - started

    def fifo(self, path: Path) -> Path:
        os.mkfifo(path)
        self.fifos.append(path)
        return path

    def release_fifo_readers(self) -> None:
        """Give any reader blocked on our FIFOs an end of file (only the old code blocks)."""
        for path in self.fifos:
            with contextlib.suppress(OSError):  # ENXIO: nobody is reading, as it should be
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


@pytest.fixture
async def worker() -> AsyncIterator[Worker]:
    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-worker")
    loop.set_default_executor(executor)
    ident = await loop.run_in_executor(None, threading.get_ident)
    running = Worker(loop, ident)
    try:
        yield running
    finally:
        running.release_fifo_readers()
        executor.shutdown(wait=False, cancel_futures=True)


async def _one(pipeline: Pipeline, digest: str) -> tuple[Outcome, float]:
    started = time.monotonic()
    [outcome] = await pipeline.download([_ref(digest)])
    return outcome, time.monotonic() - started


def _refused(outcome: Outcome, *words: str) -> str:
    """A 422 naming the driver and the key, and the words that say what was refused."""
    assert outcome.error is not None, "the entry was read as a blob"
    error = outcome.error
    assert error.kind is ErrorKind.INTEGRITY and error.kind.http_status == 422, error
    assert error.component == "local.filesystem"
    assert "[key=sha256/" in error.message, error.message
    for word in words:
        assert word in error.message, error.message
    return error.message


# ------------------------------------------------------------------------------- symlinks


async def test_symlinked_blob_is_refused_and_reveals_nothing(
    tmp_path: Path, worker: Worker
) -> None:
    root, _ = _store(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    # A valid payload outside, linked under its own hash: the old store served it.
    sentinel_data, sentinel = _blob(SENTINEL)
    (outside / "sentinel").write_bytes(sentinel_data)
    _slot(root, sentinel).symlink_to(outside / "sentinel")
    # A foreign file linked under another blob's name: the old error gave away its hash.
    _, other = _blob(Payload(data=b"a blob that was never stored"))
    (outside / "secret").write_bytes(FOREIGN)
    _slot(root, other).symlink_to(outside / "secret")

    pipeline = Pipeline(drivers=[FilesystemDriver(root)])
    for digest in (sentinel, other):
        outcome, _ = await _one(pipeline, digest)
        message = _refused(outcome, "symlink")
        assert hashlib.sha256(FOREIGN).hexdigest() not in message
        assert str(outside) not in message and "outside" not in message
    await worker.free_within(5)


@pytest.mark.parametrize("component", ["sha256", "shard"])
async def test_directory_leaving_the_store_is_refused_for_reads_and_writes(
    tmp_path: Path, worker: Worker, component: str
) -> None:
    """``sha256`` (or the ``ab`` shard) is a link to a look-alike tree elsewhere."""
    root = tmp_path / "store"
    elsewhere = tmp_path / "elsewhere"
    sentinel_data, sentinel = _blob(SENTINEL)
    _slot(elsewhere, sentinel).write_bytes(sentinel_data)
    if component == "sha256":
        root.mkdir()
        (root / "sha256").symlink_to(elsewhere / "sha256")
    else:
        (root / "sha256").mkdir(parents=True)
        (root / "sha256" / sentinel[:2]).symlink_to(elsewhere / "sha256" / sentinel[:2])
    before = _tree(elsewhere)
    driver = FilesystemDriver(root)

    outcome, _ = await _one(Pipeline(drivers=[driver]), sentinel)
    linked = "sha256" if component == "sha256" else f"sha256/{sentinel[:2]}"
    message = _refused(outcome, f"{linked} is a symlink")
    assert str(elsewhere) not in message

    # Writing through it is refused too (502, like any store that cannot take a blob), and
    # nothing appears in, or changes under, the tree it points to.
    with pytest.raises(StoreUnreachable) as caught:
        await driver.store(None, [SENTINEL])  # type: ignore[arg-type]
    assert "symlink" in str(caught.value) and str(elsewhere) not in str(caught.value)
    new = Payload(metadata={"encoding": b"binary/plain"}, data=b"x" * 100)
    _, new_digest = _blob(new)
    if component == "sha256":  # every shard is behind the link
        with pytest.raises(StoreUnreachable):
            await driver.store(None, [new])  # type: ignore[arg-type]
    else:  # another shard is a real directory: that write goes where it should
        await driver.store(None, [new])  # type: ignore[arg-type]
        assert (root / "sha256" / new_digest[:2] / new_digest).is_file()
    assert _tree(elsewhere) == before
    assert not list(elsewhere.rglob(f"*{new_digest}*"))


# --------------------------------------------------------- FIFOs, devices, oversized blobs


async def test_fifo_blob_is_refused_at_once_and_holds_no_thread(
    tmp_path: Path, worker: Worker
) -> None:
    root, _ = _store(tmp_path)
    _, digest = _blob(Payload(data=b"never written"))
    worker.fifo(_slot(root, digest))
    pipeline = Pipeline(drivers=[FilesystemDriver(root)], timeouts={"local.filesystem": 10})
    outcome, took = await _one(pipeline, digest)
    _refused(outcome, "is a FIFO, not a regular file")
    assert took < 2, f"{took:.2f} s for a FIFO"
    assert await worker.free_within(5) < 2


@pytest.mark.parametrize("kind", ["symlink to /dev/zero", "device node"])
async def test_endless_device_is_refused_without_reading(
    tmp_path: Path, worker: Worker, kind: str
) -> None:
    root, _ = _store(tmp_path)
    _, digest = _blob(Payload(data=b"zeros forever"))
    path = _slot(root, digest)
    if kind == "device node":
        try:
            os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero's numbers
        except PermissionError:
            pytest.skip("making a device node needs CAP_MKNOD")
        words = ["character device"]
    else:
        path.symlink_to("/dev/zero")
        words = ["symlink"]
    pipeline = Pipeline(drivers=[FilesystemDriver(root)], timeouts={"local.filesystem": 10})
    read_before = _bytes_read()
    outcome, took = await _one(pipeline, digest)
    read = _bytes_read() - read_before
    _refused(outcome, *words)
    assert read < MIB, f"{read} bytes read for {kind}"
    assert took < 2
    assert await worker.free_within(5) < 2


async def test_oversized_blob_is_refused_without_reading(tmp_path: Path, worker: Worker) -> None:
    root, _ = _store(tmp_path)
    _, digest = _blob(Payload(data=b"a blob the store would never hold"))
    with _slot(root, digest).open("wb") as f:
        f.truncate(MAX_BLOB_BYTES + 1)  # sparse: no disk used
    pipeline = Pipeline(drivers=[FilesystemDriver(root)], timeouts={"local.filesystem": 10})
    read_before = _bytes_read()
    outcome, took = await _one(pipeline, digest)
    read = _bytes_read() - read_before
    _refused(outcome, "larger than the 256 MiB")
    assert read < MIB, f"{read} bytes read of an oversized blob"
    assert took < 2
    await worker.free_within(5)


# ----------------------------------------------------------------------- cancellation


async def test_timed_out_read_really_stops(tmp_path: Path, worker: Worker) -> None:
    """A blob just under the limit takes a few hundred ms to read and hash; a 10 ms timeout
    gives up long before. After the 504 the worker does at most about one chunk more."""
    root, _ = _store(tmp_path)
    _, digest = _blob(Payload(data=b"a large blob"))
    size = MAX_BLOB_BYTES - 1
    with _slot(root, digest).open("wb") as f:
        f.truncate(size)
    driver = FilesystemDriver(root)
    # its first use sweeps the store: let that happen before the measured read
    await driver.retrieve(StorageDriverRetrieveContext(), [_claim(_store_digest())])
    pipeline = Pipeline(drivers=[driver], timeouts={"local.filesystem": 0.01})
    read_before = _bytes_read()
    outcome, _ = await _one(pipeline, digest)
    assert outcome.error is not None and outcome.error.kind is ErrorKind.TIMEOUT, outcome
    read_at_timeout, cpu_at_timeout = _bytes_read(), worker.cpu_seconds()
    await worker.free_within(10)
    after = _bytes_read() - read_at_timeout
    cpu_after = worker.cpu_seconds() - cpu_at_timeout
    total = _bytes_read() - read_before
    assert after <= 4 * CHUNK_BYTES, f"{after / MIB:.1f} MiB read after the timeout"
    assert cpu_after < 0.05, f"the worker went on for {cpu_after * 1000:.0f} ms of CPU"
    assert total < size // 2, f"{total / MIB:.0f} MiB read in all: the read did not stop"


# ------------------------------------------------------------------ the write path's traps


@pytest.mark.parametrize("trap", ["fifo", "symlink", "symlink to /dev/zero"])
async def test_store_replaces_a_trap_at_the_blobs_name(
    tmp_path: Path, worker: Worker, trap: str
) -> None:
    """The pre-write check does not follow or block on what sits at the name; the atomic
    rename replaces it with the real blob, and a link's target is left as it was."""
    root = tmp_path / "store"
    data, digest = _blob(STORED)
    path = _slot(root, digest)
    target = tmp_path / "target"
    target.write_bytes(data)  # even the right content: a link is never trusted
    if trap == "fifo":
        worker.fifo(path)
    elif trap == "symlink":
        path.symlink_to(target)
    else:
        path.symlink_to("/dev/zero")
    driver = FilesystemDriver(root)
    started = time.monotonic()
    [claim] = await asyncio.wait_for(driver.store(None, [STORED]), 10)  # type: ignore[arg-type]
    assert time.monotonic() - started < 2
    assert claim.claim_data["key"] == f"sha256/{digest}"
    info = os.lstat(path)
    assert stat.S_ISREG(info.st_mode) and path.read_bytes() == data
    assert target.read_bytes() == data
    assert await driver.retrieve(StorageDriverRetrieveContext(), [claim]) == [STORED]


# ------------------------------------------------------------------------ stale temp files


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


async def test_stale_temp_files_are_swept_on_first_use_and_fresh_ones_kept(
    tmp_path: Path, worker: Worker
) -> None:
    root, digest = _store(tmp_path)
    shard = root / "sha256" / digest[:2]
    stale = shard / f"{TEMP_PREFIX}killed-writer"
    fresh = shard / f"{TEMP_PREFIX}writer-at-work"
    stale_dir = shard / f"{TEMP_PREFIX}a-directory"
    stale_link = shard / f"{TEMP_PREFIX}a-link"
    outside = tmp_path / "outside"
    outside.mkdir()
    outside_temp = outside / f"{TEMP_PREFIX}not-ours"
    for path in (stale, fresh, outside_temp):
        path.write_bytes(b"half a blob")
    stale_dir.mkdir()
    stale_link.symlink_to(outside_temp)
    (root / "sha256" / "ff").symlink_to(outside)  # a shard that leaves the store
    for path in (stale, stale_dir, stale_link, outside_temp, root / "sha256" / "ff"):
        _age(path, STALE_TEMP_SECONDS + 60)

    driver = FilesystemDriver(root)
    assert await driver.retrieve(StorageDriverRetrieveContext(), [_claim(digest)]) == [STORED]
    assert not stale.exists()
    assert fresh.exists() and stale_dir.is_dir() and stale_link.is_symlink()
    assert outside_temp.exists(), "the sweep followed a link out of the store"
    assert (root / "sha256" / digest[:2] / digest).exists()


def test_sweep_is_bounded(tmp_path: Path) -> None:
    root, digest = _store(tmp_path)
    shard = root / "sha256" / digest[:2]
    for i in range(50):
        path = shard / f"{TEMP_PREFIX}{i:02d}"
        path.write_bytes(b"")
        _age(path, STALE_TEMP_SECONDS + 60)
    assert sweep_stale_temps(root, max_entries=10) <= 10
    left = len(list(shard.glob(f"{TEMP_PREFIX}*")))
    assert left >= 40
    assert sweep_stale_temps(root) == left  # unbounded enough, it takes them all
    assert not list(shard.glob(f"{TEMP_PREFIX}*"))


KILLED_WRITER = """
import os, sys, time, asyncio
from temporalio.api.common.v1 import Payload
from inspector.storage import filesystem
filesystem.os.fsync = lambda fd: time.sleep(120)  # stall between write and rename
payload = Payload(metadata={"encoding": b"binary/plain"}, data=os.urandom(4 * 1024 * 1024))
asyncio.run(filesystem.FilesystemDriver(sys.argv[1]).store(None, [payload]))
"""


async def test_temp_file_of_a_killed_writer_is_swept(tmp_path: Path, worker: Worker) -> None:
    """A real ``kill -9`` between write and rename leaves a ``.tmp-*``; once it is old, the
    next driver's first use removes it."""
    root = tmp_path / "store"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLED_WRITER, str(root), cwd=REPO_ROOT
    )
    try:
        deadline = time.monotonic() + 60
        while not list(root.glob(f"sha256/*/{TEMP_PREFIX}*")):
            assert child.returncode is None, "the writer exited before writing"
            assert time.monotonic() < deadline, "the writer made no temp file in 60 s"
            await asyncio.sleep(0.05)
    finally:
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        await asyncio.wait_for(child.wait(), 30)
    [left] = list(root.glob(f"sha256/*/{TEMP_PREFIX}*"))
    _age(left, STALE_TEMP_SECONDS + 60)
    await FilesystemDriver(root).store(None, [STORED])  # type: ignore[arg-type]
    assert not left.exists()
    assert [p.name for p in root.glob("sha256/*/*")] == [_store_digest()]


# --------------------------------------------------------------------- nothing is starved


async def test_after_every_trap_a_normal_retrieval_is_quick(tmp_path: Path, worker: Worker) -> None:
    """With one worker thread, any trap that held it would leave this retrieval waiting."""
    root, digest = _store(tmp_path)
    traps = []
    for i in range(3):
        _, fifo = _blob(Payload(data=b"fifo %d" % i))
        worker.fifo(_slot(root, fifo))
        traps.append(fifo)
    _, zero = _blob(Payload(data=b"zero"))
    _slot(root, zero).symlink_to("/dev/zero")
    _, big = _blob(Payload(data=b"big"))
    with _slot(root, big).open("wb") as f:
        f.truncate(MAX_BLOB_BYTES + 1)
    traps += [zero, big]
    pipeline = Pipeline(drivers=[FilesystemDriver(root)], timeouts={"local.filesystem": 3})
    outcomes = await pipeline.download([_ref(d) for d in traps])
    started = time.monotonic()
    [ok] = await pipeline.download([_ref(digest)])
    assert ok.payload == STORED, f"starved: {ok.error}"
    assert time.monotonic() - started < 1
    for outcome in outcomes:
        _refused(outcome)


async def test_traps_through_the_server_are_422(
    tmp_path: Path, worker: Worker, make_client: ClientFactory
) -> None:
    root, digest = _store(tmp_path)
    _, fifo = _blob(Payload(data=b"fifo"))
    worker.fifo(_slot(root, fifo))
    _, zero = _blob(Payload(data=b"zero"))
    _slot(root, zero).symlink_to("/dev/zero")
    storage = filesystem_storage(root, timeout_seconds=5)
    profiles = profiles_toml({"default": profile(storage=storage)})
    client: TestClient = await make_client(parse_config(profiles, source=tmp_path / "config.toml"))
    for trap in (fifo, zero):
        started = time.monotonic()
        answer = await post(client, "/download", [_ref(trap)])
        message = assert_error(answer, 422, index=0, stage="storage")
        assert "local.filesystem" in message and f"sha256/{trap}" in message
        assert "/dev/zero" not in message
        assert time.monotonic() - started < 2
    ok = await post(client, "/download", [_ref(digest)])
    assert ok.status == 200 and ok.payloads == [STORED]
