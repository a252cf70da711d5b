"""Per-namespace pipelines (a ``"*"`` profile with a remote codec) are bounded, and one
evicted while a request uses it is closed only after that request has its answer."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer
from temporalio.api.common.v1 import Payload

from inspector.server.app import PIPELINES
from inspector.server.pipelines import NAMESPACE_PIPELINES
from tests.support.config import config_from, profile, remote_codec
from tests.support.http import ClientFactory, post

PAYLOADS = [Payload(metadata={"encoding": b"json/plain"}, data=b'{"n": 1}')]
SLOW_SECONDS = 3.0


async def echo_codec(request: web.Request) -> web.Response:
    """A remote codec server whose codec changes nothing; namespace ``slow`` takes a second."""
    body = await request.read()
    if request.headers.get("X-Namespace") == "slow":
        await asyncio.sleep(SLOW_SECONDS)
    return web.Response(body=body, content_type="application/json")


async def test_namespace_pipelines_are_bounded_and_closed_after_their_last_request(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    codec_app = web.Application()
    codec_app.router.add_post("/codec/{operation}", echo_codec)
    async with TestServer(codec_app, host="127.0.0.1") as codec_server:
        codec = remote_codec(f"http://127.0.0.1:{codec_server.port}/codec")
        config = config_from(tmp_path, {"any": profile([codec], namespaces=["*"])})
        client = await make_client(config)
        registry = client.app[PIPELINES]

        slow = asyncio.create_task(post(client, "/decode", PAYLOADS, namespace="slow"))
        await asyncio.sleep(SLOW_SECONDS / 4)  # its pipeline is leased, its codec call under way
        for i in range(NAMESPACE_PIPELINES + 36):  # evicts "slow" (and others) meanwhile
            answer = await post(client, "/decode", PAYLOADS, namespace=f"ns-{i}")
            assert answer.status == 200, answer.body
        assert not slow.done()
        answer = await slow
        assert answer.status == 200, answer.body
        assert answer.payloads == PAYLOADS

        for _ in range(50):  # evicted pipelines close in tasks of their own
            if registry.namespace_pipelines <= NAMESPACE_PIPELINES:
                break
            await asyncio.sleep(0.02)
        assert registry.namespace_pipelines == NAMESPACE_PIPELINES
        again = await post(client, "/decode", PAYLOADS, namespace="ns-0")  # evicted, rebuilt
        assert again.status == 200 and json.loads(again.raw) == answer.body
