"""``payload-inspector doctor`` against our server and against servers wrong in one way each.

The wrong servers are small aiohttp apps made here: a pass-through codec server that does
everything the Web UI needs, and then each one breaks exactly one thing the doctor checks.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import DataConverter

from inspector.doctor import CHECK_NAMES, DoctorOptions, Status, run_checks
from tests.support.cli import run_cli
from tests.support.config import filesystem_storage, profile, write_config
from tests.support.ports import LOOPBACK
from tests.support.sdk_codecs import SdkGzipCodec
from tests.support.serve import serve

ORIGIN = "http://localhost:8233"
ALL_HEADERS = "Content-Type, X-Namespace, Authorization, Authorization-Extras"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _checks_by_name(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        name = next(n for n in sorted(CHECK_NAMES, key=len, reverse=True) if line.startswith(n))
        found[name] = line[len(name) :].split()[0]
    return found


async def test_doctor_passes_against_payload_inspector_serve(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        {
            "default": profile(["gzip"], storage=filesystem_storage(tmp_path / "store")),
            "bare": profile(["gzip"], namespaces=["bare"]),
        },
    )
    plain = DataConverter.default.payload_converter.to_payloads([{"order": 1}, "two", None])
    sample = tmp_path / "sample.json"
    encoded = Payloads(payloads=await SdkGzipCodec().encode(plain))
    sample.write_text(json_format.MessageToJson(encoded))
    async with serve("--config", str(config), "--port", "0") as server:
        code, out, err = await run_cli("doctor", server.url, "--sample", str(sample))
        assert code == 0, out.decode() + err.decode()
        lines = out.decode().splitlines()
        assert [line.split("  ")[0] for line in lines] == list(CHECK_NAMES)
        statuses = _checks_by_name(lines)
        assert statuses.pop("https for tokens") == "warn"  # http://, and no token to pass
        assert set(statuses.values()) == {"ok"}, out.decode()
        assert "the sample's decoded payloads unchanged" in out.decode()

        # a token to pass from a browser over http:// is the one failure
        code, out, _ = await run_cli("doctor", server.url, "--auth", "Bearer t0ken")
        assert code == 1
        failing = [line for line in out.decode().splitlines() if "  FAIL  " in line]
        assert len(failing) == 1 and failing[0].startswith("https for tokens")
        assert "t0ken" not in out.decode()

        # a profile without storage: /download answers 404, which the Web UI understands
        code, out, _ = await run_cli("doctor", server.url, "--namespace", "bare")
        assert code == 0, out.decode()
        [line] = [line for line in out.decode().splitlines() if line.startswith("download")]
        assert "  ok  " in line and "404" in line and "not configured to download" in line


async def test_doctor_usage_errors_exit_2(tmp_path: Path) -> None:
    code, _, err = await run_cli("doctor", "ftp://example.com")
    assert code == 2 and b"is not a codec endpoint" in err
    code, _, err = await run_cli("doctor", "http://127.0.0.1:9", "--origin", "localhost")
    assert code == 2 and b"--origin 'localhost'" in err
    code, _, err = await run_cli("doctor", "http://127.0.0.1:9", "--sample", str(tmp_path / "x"))
    assert code == 2 and b"cannot read" in err


# ---- a small codec server, and its flaws ----------------------------------------------------

FLAWS = {
    "good": set(),
    "no Authorization in the allowed headers": {"preflight"},
    "no CORS on errors": {"cors on errors"},
    "a payload dropped from the answer": {"payload count and order", "round trip"},
    "a 500 for a bad body": {"bad body"},
    "no /download": {"download"},
}


def _codec_server(flaw: str) -> web.Application:
    """A pass-through codec server (decode and encode change nothing), wrong in ``flaw``."""

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS":
            response: web.StreamResponse = web.Response(status=204)
            allowed = ALL_HEADERS
            if flaw == "no Authorization in the allowed headers":
                allowed = "Content-Type, X-Namespace, Authorization-Extras"
            response.headers["Access-Control-Allow-Headers"] = allowed
            response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        else:
            try:
                response = await handler(request)
            except web.HTTPException as e:
                response = web.json_response({"error": e.reason}, status=e.status)
        if origin == ORIGIN and (response.status < 400 or flaw != "no CORS on errors"):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
        return response

    def read(body: bytes) -> list[Payload]:
        try:
            return list(json_format.Parse(body, Payloads()).payloads)
        except (json_format.ParseError, UnicodeDecodeError):
            if flaw == "a 500 for a bad body":
                raise web.HTTPInternalServerError() from None
            raise web.HTTPBadRequest(reason="bad body") from None

    def answer(payloads: list[Payload]) -> web.Response:
        text = json_format.MessageToJson(Payloads(payloads=payloads))
        return web.Response(text=text, content_type="application/json")

    async def decode(request: web.Request) -> web.Response:
        payloads = read(await request.read())
        if flaw == "a payload dropped from the answer":
            payloads = payloads[:-1]
        return answer(payloads)

    async def encode(request: web.Request) -> web.Response:
        return answer(read(await request.read()))

    async def download(request: web.Request) -> web.Response:
        read(await request.read())
        return web.json_response({"error": "not a storage reference"}, status=400)

    app = web.Application(middlewares=[cors])
    app.router.add_post("/decode", decode)
    app.router.add_post("/encode", encode)
    if flaw != "no /download":
        app.router.add_post("/download", download)
    return app


@asynccontextmanager
async def _running(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, LOOPBACK, 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield f"http://{LOOPBACK}:{port}"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("flaw", list(FLAWS))
async def test_doctor_names_the_one_check_a_server_breaks(flaw: str) -> None:
    async with _running(_codec_server(flaw)) as url:
        results = await run_checks(DoctorOptions(url=url, origin=ORIGIN))
    assert [r.name for r in results] == list(CHECK_NAMES)
    failing = {r.name for r in results if r.status is Status.FAIL}
    assert failing == FLAWS[flaw], [r.line for r in results]
    by_name = {r.name: r for r in results}
    if flaw == "no Authorization in the allowed headers":
        assert by_name["preflight"].seen.endswith(
            "Access-Control-Allow-Headers lacks Authorization"
        )
    for result in results:
        if result.status is Status.FAIL:
            assert result.fix, result.line


async def test_doctor_exits_1_naming_the_failing_check_on_the_command_line() -> None:
    async with _running(_codec_server("a 500 for a bad body")) as url:
        code, out, _ = await run_cli("doctor", url, "--origin", ORIGIN)
    assert code == 1
    [line] = [line for line in out.decode().splitlines() if "  FAIL  " in line]
    assert line.startswith("bad body")
    assert "500" in line and "browsers and the CLI retry a 5xx" in line
    assert json.dumps(line)  # one printable line
