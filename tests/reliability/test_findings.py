"""One regression test per finding of the reliability work (docs/reliability.md lists them).

Each was found by the fuzzers, the fault runs or the secrets grep in this directory, and
each was fixed in the product; these pin the fixes down with the smallest input that
showed the problem.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from temporalio.api.common.v1 import Payload

from inspector.codecs import CodecError, RemoteCodec
from inspector.config import ConfigError, parse_config
from inspector.documents import DocumentError, parse_document
from inspector.references import Reference, make_reference_payload
from inspector.server import RequestLog
from tests.reliability.netfaults import EchoCodecServer
from tests.support.cli import run_cli
from tests.support.config import filesystem_storage, profile, profiles_toml, write_config
from tests.support.http import ClientFactory, assert_error, post, to_json
from tests.support.serve import serve

HUGE_INT = "9" * 5000


async def client_for(make_client: ClientFactory, tmp_path: Path, log: RequestLog) -> TestClient:
    """A server whose one profile stores in ``tmp_path/store``."""
    profiles = {"default": profile(storage=filesystem_storage(tmp_path / "store"))}
    config = parse_config(profiles_toml(profiles), source=tmp_path / "config.toml")
    return await make_client(config, log=log)


# F1, F2: the document reader -------------------------------------------------------------


@pytest.mark.parametrize("number", [HUGE_INT, "1e999", "-1e400"])
def test_f1_f2_huge_numbers_are_a_document_error(number: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_document(f'{{"payloads": [{number}]}}', source="in.json")
    assert str(caught.value).startswith("in.json: ") and "\n" not in str(caught.value)


async def test_f1_decode_of_a_huge_integer_is_exit_2_and_one_line(tmp_path: Path) -> None:
    document = tmp_path / "huge.json"
    document.write_text(f'{{"payloads": [{HUGE_INT}]}}')
    code, out, err = await run_cli("decode", str(document), cwd=tmp_path)
    assert (code, out) == (2, b"")
    assert len(err.strip().splitlines()) == 1 and b"Traceback" not in err


# F3, F4: the server's body reader -------------------------------------------------------


@pytest.mark.parametrize(
    "body", [b"[" * 100_000 + b"]" * 100_000, f'{{"payloads": [{HUGE_INT}]}}'.encode()]
)
async def test_f3_f4_deep_or_huge_bodies_are_400(
    make_client: ClientFactory, tmp_path: Path, body: bytes
) -> None:
    client = await client_for(make_client, tmp_path, RequestLog())
    assert_error(await post(client, "/decode", body), 400)


# F5: messages quote input, one line at most --------------------------------------------


async def test_f5_a_claim_or_driver_name_with_newlines_gives_a_one_line_error(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    log = RequestLog()
    client = await client_for(make_client, tmp_path, log)
    forged = 'sha256/x\n{"status": 200, "forged": true}'
    for reference in (
        make_reference_payload(Reference("local.filesystem", {"key": forged})),
        make_reference_payload(Reference("other\ndriver", {"key": "k"})),
    ):
        message = assert_error(
            await post(client, "/decode", [reference]), 422, index=0, stage="storage"
        )
        assert "\\n" in message  # shown escaped, not as a line break
    assert all("\n" not in record.to_json() for record in log.recent())


# F6: config errors never echo a secret ---------------------------------------------------

KEY_B64 = "S2V5LW5ldmVyLWluLWxvZ3MtMDEyMzQ1Njc4OWFi"


@pytest.mark.parametrize(
    "text,secret",
    [
        (f'[profiles.a]\ncodecs = [{{ type = "aes-gcm", keys = "{KEY_B64}" }}]\n', KEY_B64),
        ('[server]\ntoken = { value = "t0k3n-s3cret" }\n[profiles.a]\n', "t0k3n-s3cret"),
        ("[server]\ntoken = 918273645546372819\n[profiles.a]\n", "918273645546372819"),
        (
            '[profiles.a]\ncodecs = [{ type = "remote", url = "htp://u:pa55word@h/c" }]\n',
            "pa55word",
        ),
        (
            '[profiles.a]\ncodecs = [{ type = "remote", url = "http://h/c", auth = ["Bearer '
            'xyz-auth"] }]\n',
            "xyz-auth",
        ),
    ],
)
def test_f6_config_errors_never_show_the_secret(text: str, secret: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source=Path("config.toml"))
    assert secret not in str(caught.value)
    assert str(caught.value).startswith("config.toml: ")


# F7: a 400 never quotes payload contents (into the answer and the request log) ---------


async def test_f7_a_bad_field_is_named_not_quoted(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    log = RequestLog()
    client = await client_for(make_client, tmp_path, log)
    body = {"payloads": [{"metadata": {}, "externalPayloads": [{"sizeBytes": "card 4111-1111"}]}]}
    message = assert_error(await post(client, "/decode", body), 400, index=0, stage="input")
    assert "externalPayloads" in message and "4111" not in message
    assert "4111" not in log.recent()[-1].to_json()


# F8: a signal right after "listening on" stops the server cleanly -----------------------


async def test_f8_sigterm_right_after_the_listening_line_exits_0(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"default": profile()})
    for _ in range(3):
        async with serve("--config", str(config), "--port", "0"):
            pass  # serve() sends SIGTERM at once and asserts exit code 0, no traceback


# F10: a 405 says what is allowed -------------------------------------------------------


async def test_f10_405_carries_allow(make_client: ClientFactory, tmp_path: Path) -> None:
    client = await client_for(make_client, tmp_path, RequestLog())
    for method, path, allow in (
        ("GET", "/decode", "POST, OPTIONS"),
        ("POST", "/healthz", "GET, HEAD, OPTIONS"),
    ):
        async with client.request(method, path, data=json.dumps(to_json([]))) as answer:
            assert answer.status == 405 and answer.headers["Allow"] == allow
        async with client.options(path) as preflight:
            assert preflight.headers["Allow"] == allow


# F11: a remote codec server echoing our credentials does not leak them ------------------


@pytest.mark.parametrize(
    "url,auth,secrets",
    [
        ("http://127.0.0.1:{port}/codec", "Bearer tok-3f9a-remote", ["tok-3f9a-remote"]),
        (
            "http://svc:pa55-w0rd@127.0.0.1:{port}/codec",
            None,
            ["pa55-w0rd", base64.b64encode(b"svc:pa55-w0rd").decode()],
        ),
    ],
)
async def test_f11_remote_codec_errors_scrub_every_form_of_the_credentials(
    url: str, auth: str | None, secrets: list[str]
) -> None:
    async with EchoCodecServer() as echo:
        codec = RemoteCodec(url.format(port=echo.port), auth=auth)
        try:
            with pytest.raises(CodecError) as caught:
                await codec.decode([Payload(data=b"x")])
        finally:
            await codec.aclose()
    assert "***" in str(caught.value)
    for secret in secrets:
        assert secret not in str(caught.value)
