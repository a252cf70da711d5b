"""A profile's protobuf descriptors, loaded once: descriptor sets, ``.proto`` files and folders.

Payloads name their message by ``messageType``; to read them we need the message's
descriptor. The Temporal API's messages are known out of the box; a profile adds its own
through ``proto_descriptors``: a ``FileDescriptorSet`` (``buf build -o x.binpb``, ``protoc
--descriptor_set_out``), a ``.proto`` file, or a folder of them, compiled at load time by the
protoc that ``grpcio-tools`` bundles (in a child process, so its messages can be read and a
crash in it cannot take the app down). A set built without its imports is completed from the
descriptors this process already has (the well-known types, the Temporal API).
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor
from google.protobuf.descriptor_pb2 import FileDescriptorProto, FileDescriptorSet
from google.protobuf.message import DecodeError, Message

from inspector.errors import InspectorError

PROTOC_TIMEOUT = 60.0  # seconds for one source's compilation
MAX_DESCRIPTOR_BYTES = 64 * 1024 * 1024  # a descriptor set larger than this is not one
_PROTOC_ERROR = re.compile(r"^.+:\d+:\d+: ")  # protoc's "file:line:column: message"


class ProtoDescriptorError(InspectorError):
    """A descriptor source that cannot be used: missing, not a descriptor set, or not compiling
    (the message names the file and, from protoc, the line)."""


@dataclass(frozen=True, eq=False)
class MessageTypes:
    """The messages a profile can read: its own descriptors first, then the Temporal API's."""

    pool: descriptor_pool.DescriptorPool | None = None  # the profile's; None: only the defaults
    sources: tuple[Path, ...] = ()

    def find(self, full_name: str) -> Descriptor | None:
        """The descriptor of message ``full_name``, or None when no source knows it."""
        for pool in self._pools():
            try:
                found: Descriptor = pool.FindMessageTypeByName(full_name)
            except KeyError:
                continue
            return found
        return None

    def new_message(self, descriptor: Descriptor) -> Message:
        """An empty message of that type, to parse into."""
        cls: type[Message] = message_factory.GetMessageClass(descriptor)
        return cls()

    def _pools(self) -> Iterable[descriptor_pool.DescriptorPool]:
        if self.pool is not None:
            yield self.pool
        yield _default_pool()


@functools.cache
def _default_pool() -> descriptor_pool.DescriptorPool:
    """The process's pool, with every Temporal API message in it (the service's imports
    pull in history, failures, schedules, Nexus and the rest)."""
    import temporalio.api.operatorservice.v1
    import temporalio.api.workflowservice.v1  # noqa: F401

    return descriptor_pool.Default()


def temporal_types() -> MessageTypes:
    """Only what is known out of the box: the Temporal API and the well-known types."""
    return _TEMPORAL


_TEMPORAL = MessageTypes()


def cached_message_types(sources: Sequence[Path]) -> MessageTypes:
    """``load_message_types``, once per set of sources while their files stay the same
    (blocking: call it on a worker thread; it also imports the Temporal API's messages
    there, which takes a quarter of a second the first time)."""
    _default_pool()
    if not sources:
        return _TEMPORAL
    key = tuple(sources)
    return _cached(key, _fingerprint(key))


@functools.lru_cache(maxsize=16)
def _cached(sources: tuple[Path, ...], fingerprint: tuple[object, ...]) -> MessageTypes:
    return load_message_types(sources)


def _fingerprint(sources: tuple[Path, ...]) -> tuple[object, ...]:
    """What changes when a source's files change: their paths, sizes and times."""
    marks: list[object] = []
    for source in sources:
        files = sorted(source.rglob("*.proto")) if source.is_dir() else [source]
        for path in files:
            try:
                st = path.stat()
            except OSError:
                marks.append((str(path), None))
                continue
            marks.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(marks)


def load_message_types(sources: Sequence[Path]) -> MessageTypes:
    """Every message the sources define, in a pool of their own (blocking)."""
    files: dict[str, FileDescriptorProto] = {}
    origin: dict[str, Path] = {}
    for source in sources:
        for proto in _read_source(source).file:
            if proto.name in files:
                if files[proto.name] != proto:
                    raise ProtoDescriptorError(
                        f"proto_descriptors: {source}: {proto.name} differs from the one in "
                        f"{origin[proto.name]}"
                    )
                continue
            files[proto.name] = proto
            origin[proto.name] = source
    pool = descriptor_pool.DescriptorPool()
    for proto in _in_dependency_order(files, origin):
        try:
            pool.Add(proto)
        except (TypeError, ValueError) as e:
            where = origin.get(proto.name, "the built-in descriptors")
            raise ProtoDescriptorError(
                f"proto_descriptors: {where}: {proto.name}: {_one_line(str(e))}"
            ) from None
    return MessageTypes(pool=pool, sources=tuple(sources))


def _in_dependency_order(
    files: dict[str, FileDescriptorProto], origin: dict[str, Path]
) -> list[FileDescriptorProto]:
    """The files with each one's imports before it; imports no source has come from this
    process's descriptors (well-known types, the Temporal API), or are an error."""
    ordered: list[FileDescriptorProto] = []
    done: set[str] = set()
    for root in list(files):
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            name, expanded = stack.pop()
            if name in done:
                continue
            if expanded:
                done.add(name)
                ordered.append(files[name])
                continue
            stack.append((name, True))
            for dep in files[name].dependency:
                if dep not in done:
                    if dep not in files:
                        files[dep] = _builtin_file(dep, needed_by=name, origin=origin)
                    stack.append((dep, False))
    return ordered


def _builtin_file(name: str, *, needed_by: str, origin: dict[str, Path]) -> FileDescriptorProto:
    try:
        found = _default_pool().FindFileByName(name)
    except KeyError:
        where = origin.get(needed_by, "a built-in descriptor")
        raise ProtoDescriptorError(
            f"proto_descriptors: {where}: {needed_by} imports {name}, which no source has "
            "(build the set with its imports: protoc --include_imports, or buf build)"
        ) from None
    proto = FileDescriptorProto()
    found.CopyToProto(proto)
    return proto


def _read_source(source: Path) -> FileDescriptorSet:
    """One source as a descriptor set: read, or compiled from ``.proto`` files."""
    if source.is_dir():
        protos = sorted(p for p in source.rglob("*.proto") if p.is_file())
        if not protos:
            raise ProtoDescriptorError(f"proto_descriptors: {source}: no .proto files in it")
        return _compile(source, protos)
    if not source.exists():
        raise ProtoDescriptorError(f"proto_descriptors: {source}: no such file or folder")
    if source.suffix == ".proto":
        return _compile(source.parent, [source])
    try:
        if source.stat().st_size > MAX_DESCRIPTOR_BYTES:
            raise ProtoDescriptorError(
                f"proto_descriptors: {source}: larger than a descriptor set can be"
            )
        data = source.read_bytes()
    except OSError as e:
        raise ProtoDescriptorError(
            f"proto_descriptors: {source}: cannot read: {e.strerror or e}"
        ) from None
    found = FileDescriptorSet()
    try:
        found.ParseFromString(data)
    except DecodeError:
        found.Clear()
    if not found.file or not all(f.name for f in found.file):
        raise ProtoDescriptorError(
            f"proto_descriptors: {source}: not a FileDescriptorSet (give a descriptor set, "
            "a .proto file or a folder of them)"
        )
    return found


def _compile(root: Path, protos: Sequence[Path]) -> FileDescriptorSet:
    """The protos compiled by the bundled protoc, imports resolved from ``root``."""
    if getattr(sys, "frozen", False):  # the desktop build has no Python to run protoc with
        raise ProtoDescriptorError(
            f"proto_descriptors: {protos[0]}: this build cannot compile .proto files; give a "
            "descriptor set instead (buf build -o x.binpb, or protoc --include_imports "
            "--descriptor_set_out=x.binpb)"
        )
    with tempfile.TemporaryDirectory(prefix="payload-inspector-protoc-") as tmp:
        out = Path(tmp) / "set.binpb"
        command = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",  # adds its well-known types to the include path
            f"--proto_path={root}",
            "--include_imports",
            f"--descriptor_set_out={out}",
            *(str(p) for p in protos),
        ]
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=PROTOC_TIMEOUT,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise ProtoDescriptorError(
                f"proto_descriptors: {root}: protoc did not run: {_one_line(str(e))}"
            ) from None
        if done.returncode != 0:
            raise ProtoDescriptorError(f"proto_descriptors: {_protoc_error(done.stderr, root)}")
        found = FileDescriptorSet()
        found.ParseFromString(out.read_bytes())
        return found


def _protoc_error(stderr: str, root: Path) -> str:
    """protoc's first ``file:line:column: message`` line, else its first line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    located = [line for line in lines if _PROTOC_ERROR.match(line)]
    chosen = (located or lines or [f"{root}: protoc failed"])[0]
    more = len(located) - 1
    return _one_line(chosen) + (f" (and {more} more)" if more > 0 else "")


def _one_line(text: str, limit: int = 400) -> str:
    return " ".join(text.split())[:limit]
