"""The seed's routes as a server process: the baseline ours is measured against.

The seed is imported at run time from ``../shared/seed/handler.py`` (relative to the
repository root), never copied. It gets our gzip codec as its pre-storage codec, the SDK's
S3 driver on the benchmark's moto bucket as its ``ExternalStorage``, and a
``client_max_size`` large enough for the bodies. Like ``payload-inspector serve``, it prints
``listening on URL`` first and runs until SIGTERM/SIGINT.

Usage: ``python -m bench.seed_server --seed PATH --endpoint-url URL --bucket NAME``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import signal
import socket
from pathlib import Path
from types import ModuleType

import aioboto3
from aiohttp import web
from temporalio.contrib.aws.s3driver import S3StorageDriver
from temporalio.contrib.aws.s3driver.aioboto3 import new_aioboto3_client
from temporalio.converter import ExternalStorage

from inspector.codecs import GzipCodec

CLIENT_MAX_SIZE = 64 * 1024 * 1024  # the same limit as our server's default max_body_bytes
REGION = "us-east-1"


def load_seed(path: Path) -> ModuleType:
    """The seed's handler module, loaded from its file (it is not part of our package)."""
    spec = importlib.util.spec_from_file_location("seed_handler", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the seed from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def serve(seed: ModuleType, endpoint_url: str, bucket: str) -> None:
    session = aioboto3.Session()
    async with session.client("s3", endpoint_url=endpoint_url, region_name=REGION) as client:
        storage = ExternalStorage(drivers=[S3StorageDriver(new_aioboto3_client(client), bucket)])
        app = web.Application(client_max_size=CLIENT_MAX_SIZE)
        app.add_routes(seed.payload_routes(storage, prestorage_codec=GzipCodec()))
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(512)
        sock.setblocking(False)
        await web.SockSite(runner, sock).start()
        port = sock.getsockname()[1]
        print(f"listening on http://127.0.0.1:{port}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=Path, required=True)
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--bucket", required=True)
    args = parser.parse_args()
    asyncio.run(serve(load_seed(args.seed), args.endpoint_url, args.bucket))


if __name__ == "__main__":
    main()
