"""Keys, tokens, AWS credentials and payload contents never leak into what the app writes.

One run of everything a user touches — ``serve`` (good requests, wrong tokens, wrong keys,
tampered data, S3 missing and down, a remote codec whose server echoes our headers back),
``decode``, ``screenshot``, and configs with the usual mistakes — with distinctive secret
material, HOME/XDG/TMPDIR inside the test's directory. Then every byte the app wrote (stdout,
stderr, request log, answers, files, PNG text chunks) is searched for each secret as raw
bytes, base64 and hex; the request log and error answers also for the payload contents.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio.api.common.v1 import Payload

from inspector.config import ConfigError, load_config
from inspector.references import Reference, make_reference_payload, parse_reference
from tests.reliability.netfaults import EchoCodecServer
from tests.support.cli import run_cli, run_module, run_serve_expecting_exit
from tests.support.config import (
    Profiles,
    aes_gcm_codec,
    filesystem_storage,
    profile,
    remote_codec,
    s3_storage,
    write_config,
    write_toml,
)
from tests.support.http import client_session, from_json, to_json
from tests.support.ports import free_port
from tests.support.s3 import MotoS3, S3Bucket, fresh_bucket
from tests.support.serve import serve

TAG = uuid.uuid4().hex[:12]
KEY = b"K3y!-never-in-logs-" + TAG.encode()[:12] + b"X"  # 32 bytes, easy to spot raw
OLD_KEY = b"0ld-k3y-" + TAG.encode()[:8]  # 16 bytes, given by file:
TOKEN = f"tok-{TAG}-bearer-secret"
REMOTE_AUTH = f"Bearer remote-{TAG}-auth"
URL_PASSWORD = f"urlpass{TAG}"
AWS_SECRET = f"aws-secret-{TAG}"
AWS_SESSION = f"aws-session-{TAG}"
EXTRAS = f"extras-{TAG}-sso"
MARKER = f"payload-contents-{TAG}"
NUMERIC_TOKEN = int(TAG, 16) * 1_000_003

assert len(KEY) == 32 and len(OLD_KEY) == 16


def needles() -> dict[str, bytes]:
    """Each secret as it could be written: raw, base64 (both alphabets), hex."""
    raw: dict[str, bytes] = {
        "aes key": KEY,
        "old aes key": OLD_KEY,
        "token": TOKEN.encode(),
        "remote auth": REMOTE_AUTH.split(" ", 1)[1].encode(),
        "url password": URL_PASSWORD.encode(),
        "url basic auth": f"user:{URL_PASSWORD}".encode(),
        "aws secret": AWS_SECRET.encode(),
        "aws session token": AWS_SESSION.encode(),
        "authorization-extras": EXTRAS.encode(),
        "token given as a number": str(NUMERIC_TOKEN).encode(),
    }
    found: dict[str, bytes] = {}
    for name, value in raw.items():
        found[name] = value
        found[f"{name} (base64)"] = base64.b64encode(value).rstrip(b"=")
        found[f"{name} (base64url)"] = base64.urlsafe_b64encode(value).rstrip(b"=")
        found[f"{name} (hex)"] = value.hex().encode()
        found[f"{name} (HEX)"] = value.hex().upper().encode()
    return found


@dataclass
class Evidence:
    """Everything the app wrote or said during the run, by where it came from."""

    items: dict[str, bytes] = field(default_factory=dict)
    # Where payload contents must not appear either (logs and errors, not results).
    no_payloads: set[str] = field(default_factory=set)

    def add(self, name: str, data: bytes | str, *, payload_free: bool = False) -> None:
        self.items[name] = data.encode() if isinstance(data, str) else data
        if payload_free:
            self.no_payloads.add(name)


def app_env(tmp: Path, moto: MotoS3) -> dict[str, str]:
    """HOME, XDG dirs and TMPDIR in the test dir; secrets in the environment."""
    dirs = {
        "HOME": tmp / "home",
        "XDG_CONFIG_HOME": tmp / "home" / ".config",
        "XDG_DATA_HOME": tmp / "home" / ".local" / "share",
        "XDG_CACHE_HOME": tmp / "home" / ".cache",
        "XDG_STATE_HOME": tmp / "home" / ".local" / "state",
        "XDG_RUNTIME_DIR": tmp / "runtime",
        "TMPDIR": tmp / "tmp",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return {
        **{k: str(v) for k, v in dirs.items()},
        "PI_KEY": base64.b64encode(KEY).decode(),
        "PI_TOKEN": TOKEN,
        "PI_REMOTE_AUTH": REMOTE_AUTH,
        "AWS_ACCESS_KEY_ID": f"AKIA{TAG.upper()}",
        "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
        "AWS_SESSION_TOKEN": AWS_SESSION,
        "QT_QPA_PLATFORM": "offscreen",
    }


def main_profiles(tmp: Path, bucket: S3Bucket, echo_port: int, closed_port: int) -> Profiles:
    """Every kind of secret a profile holds: keys by env:, file: and literal, a token, a
    remote codec's auth and a password in its URL, and S3 with the fake AWS credentials."""
    rotated = aes_gcm_codec(
        {"k-2026": "env:PI_KEY", "k-2025": "file:old.key"}, encrypt_with="k-2026"
    )
    remote = f"http://127.0.0.1:{echo_port}/codec"
    return {
        "enc": profile(
            [rotated, "gzip"],
            namespaces=["enc", "default"],
            storage=filesystem_storage(tmp / "store", threshold=200),
        ),
        "old": profile([aes_gcm_codec({"k-2025": "file:old.key"})], namespaces=["old"]),
        "literal": profile([aes_gcm_codec({"lit": KEY})], namespaces=["literal"]),
        "s3": profile(
            ["gzip"],
            namespaces=["s3"],
            storage=bucket.storage(threshold=200, timeout_seconds=10),
        ),
        "s3missing": profile(
            namespaces=["s3-missing"],
            storage=s3_storage(f"no-such-bucket-{TAG}", bucket.endpoint_url),
        ),
        "s3down": profile(
            namespaces=["s3-down"],
            storage=bucket.storage(
                endpoint_url=f"http://127.0.0.1:{closed_port}", timeout_seconds=5
            ),
        ),
        "remote": profile([remote_codec(remote, auth="env:PI_REMOTE_AUTH")], namespaces=["remote"]),
        "remoteurl": profile(
            [remote_codec(remote.replace("http://", f"http://user:{URL_PASSWORD}@"))],
            namespaces=["remote-url"],
        ),
    }


# Config mistakes users make; none may echo the secret in its one-line error.
AES = '[profiles.a]\ncodecs = [{{ type = "aes-gcm", keys = {} }}]\n'
REMOTE = '[profiles.a]\ncodecs = [{{ type = "remote", url = "{}"{} }}]\n'
BAD_CONFIGS = {
    "keys given as a string": AES.format(json.dumps(base64.b64encode(KEY).decode())),
    "key of the wrong size": AES.format(f'{{ k = "{base64.b64encode(KEY[:20]).decode()}" }}'),
    "key not base64": AES.format(f'{{ k = "{KEY.decode()}!" }}'),
    "token as a number": f"[server]\ntoken = {NUMERIC_TOKEN}\n[profiles.a]\n",
    "token as a table": f'[server]\ntoken = {{ value = "{TOKEN}" }}\n[profiles.a]\n',
    "remote url with a typo": REMOTE.format(f"htp://user:{URL_PASSWORD}@h/c", ""),
    "remote auth as a list": REMOTE.format("http://h/c", f', auth = ["{REMOTE_AUTH}"]'),
    "literal key in a bad TOML line": AES.format(f'{{ k = "{KEY.decode()}\n'),
}


def png_text(data: bytes) -> bytes:
    """The text chunks (tEXt, zTXt, iTXt) of a PNG, inflated: what tools read as captions."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, texts = 8, []
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"tEXt":
            texts.append(body)
        elif kind == b"zTXt":
            keyword, _, rest = body.partition(b"\0")
            texts.append(keyword + b"\0" + zlib.decompress(rest[1:]))
        elif kind == b"iTXt":
            texts.append(body)
        offset += 12 + length
    return b"\n".join(texts)


def snapshot(root: Path) -> dict[Path, bytes]:
    """Every file under root and its bytes: what the test itself wrote."""
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def files_written(root: Path, inputs: Mapping[Path, bytes]) -> Iterator[tuple[str, bytes]]:
    """Every file under root that the test did not write itself (or that changed)."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if inputs.get(path) == data:
            continue
        yield str(path.relative_to(root)), data


def _payload_of(document: Mapping[str, Any], index: int) -> Payload:
    return from_json(document)[index]


def payload(text: str, size: int = 0) -> Payload:
    return Payload(
        metadata={"encoding": b"json/plain"},
        data=json.dumps({"secret": text, "pad": os.urandom(size).hex()}).encode(),
    )


async def exercise_server(
    tmp: Path, env: dict[str, str], config: Path, evidence: Evidence, echo: EchoCodecServer
) -> bytes:
    """Every kind of request; returns an encoded history-like document for the CLI."""
    good = {"Authorization": f"Bearer {TOKEN}", "Authorization-Extras": EXTRAS}
    async with (
        serve("--config", str(config), "--port", "0", env=env) as server,
        client_session() as http,
    ):
        n = 0

        async def call(route: str, body: Any, ns: str, headers: Mapping[str, str] = good) -> Any:
            nonlocal n
            n += 1
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            sent = {"Content-Type": "application/json", "X-Namespace": ns, **headers}
            async with http.post(f"{server.url}/{route}", data=data, headers=sent) as response:
                raw = await response.read()
                evidence.add(
                    f"answer {n} {route} {ns} headers",
                    json.dumps(dict(response.headers)),
                    payload_free=True,
                )
                evidence.add(
                    f"answer {n} {route} {ns} ({response.status})",
                    raw,
                    payload_free=response.status != 200,
                )
                return response.status, json.loads(raw)

        originals = [payload(MARKER), payload(MARKER, 500)]
        status, encoded = await call("encode", to_json(originals), "enc")
        assert status == 200
        assert (await call("decode", encoded, "enc"))[0] == 200
        assert (await call("decode?preserveStorageRefs=true", encoded, "enc"))[0] == 200
        # a payload the old key encrypted decodes with the rotated profile
        status, old = await call("encode", to_json(originals[:1]), "old")
        assert status == 200 and (await call("decode", old, "enc"))[0] == 200
        # wrong key id, tampered ciphertext, a key the profile lacks
        assert (await call("decode", encoded, "literal"))[0] == 422
        tampered = json.loads(json.dumps(encoded))
        data = bytearray(base64.b64decode(tampered["payloads"][0]["data"]))
        data[-1] ^= 1
        tampered["payloads"][0]["data"] = base64.b64encode(bytes(data)).decode()
        assert (await call("decode", tampered, "enc"))[0] == 422
        # tokens: none, wrong, the right one with a suffix, a prefix of it
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": f"Bearer {TOKEN}x"},
            {"Authorization": f"Bearer {TOKEN[:-1]}"},
        ):
            assert (await call("decode", encoded, "enc", headers))[0] == 401
        # S3: stored and read back; a missing bucket; S3 down
        status, s3_encoded = await call("encode", to_json(originals), "s3")
        assert status == 200 and (await call("decode", s3_encoded, "s3"))[0] == 200
        # (new claims: the server's cache would answer the one it has just read)
        claim = parse_reference(_payload_of(s3_encoded, 1))
        missing = make_reference_payload(
            Reference(claim.driver_name, {**claim.claim, "bucket": f"no-such-bucket-{TAG}"})
        )
        down = make_reference_payload(
            Reference(claim.driver_name, {**claim.claim, "key": claim.claim["key"] + "-other"})
        )
        assert (await call("download", to_json([missing]), "s3-missing"))[0] == 422
        assert (await call("download", to_json([down]), "s3-down"))[0] == 502
        # a remote codec whose server echoes the Authorization header it got
        assert (await call("decode", to_json(originals), "remote"))[0] == 422
        assert (await call("decode", to_json(originals), "remote-url"))[0] == 422
        assert echo.requests >= 2
        # malformed bodies that carry payload text where a number or base64 should be
        bad_size = {"payloads": [{"metadata": {}, "externalPayloads": [{"sizeBytes": MARKER}]}]}
        assert (await call("decode", bad_size, "enc"))[0] == 400
        assert (await call("decode", {"payloads": [{"data": MARKER + "!"}]}, "enc"))[0] == 400
        assert (await call("decode", {"payloads": [], "note": MARKER}, "enc"))[0] == 400
        assert (await call("decode", MARKER.encode(), "enc"))[0] == 400
    evidence.add("serve stdout+stderr", "\n".join(server.stderr_lines), payload_free=True)
    return json.dumps({"payloads": encoded["payloads"] + old["payloads"]}).encode()


async def test_no_secret_or_payload_leaks_anywhere(tmp_path: Path, moto_s3: MotoS3) -> None:
    bucket = fresh_bucket(moto_s3)
    env = app_env(tmp_path, moto_s3)
    (tmp_path / "old.key").write_text(base64.b64encode(OLD_KEY).decode())
    evidence = Evidence()
    async with EchoCodecServer() as echo:
        config = write_config(
            tmp_path,
            main_profiles(tmp_path, bucket, echo.port, free_port()),
            {"token": "env:PI_TOKEN"},
        )
        inputs = snapshot(tmp_path)
        document = await exercise_server(tmp_path, env, config, evidence, echo)

    doc_path = tmp_path / "encoded.json"
    doc_path.write_bytes(document)
    inputs[doc_path] = document
    runs = {
        "decode": ("decode", str(doc_path), "--config", str(config), "--namespace", "enc"),
        "decode readable": (
            "decode",
            str(doc_path),
            "--config",
            str(config),
            "--readable",
            "--namespace",
            "enc",
        ),
        "decode wrong profile": (
            "decode",
            str(doc_path),
            "--config",
            str(config),
            "--namespace",
            "literal",
        ),
        "screenshot": (
            "screenshot",
            str(doc_path),
            "-o",
            str(tmp_path / "shot.png"),
            "--config",
            str(config),
            "--namespace",
            "enc",
        ),
        "screenshot failing": (
            "screenshot",
            str(doc_path),
            "-o",
            str(tmp_path / "bad.png"),
            "--config",
            str(config),
            "--namespace",
            "old",
        ),
    }
    codes = {}
    for name, args in runs.items():
        code, out, err = await run_cli(*args, env=env, cwd=tmp_path)
        codes[name] = code
        evidence.add(f"{name} stdout", out)
        evidence.add(f"{name} stderr", err, payload_free=True)
    assert codes == {
        "decode": 0,
        "decode readable": 0,
        "decode wrong profile": 3,
        "screenshot": 0,
        "screenshot failing": 3,
    }, codes
    gui_out = tmp_path / "gui"
    gui_out.mkdir()
    code, out, err = await run_module(
        "tests.reliability.gui_session",
        "session",
        str(config),
        str(doc_path),
        str(gui_out),
        str(tmp_path / "home" / "settings.json"),
        env={**env, "PAYLOAD_INSPECTOR_CONFIG": str(config)},
    )
    assert code == 0, err
    evidence.add("gui session stdout", out)
    evidence.add("gui session stderr", err, payload_free=True)
    assert doc_path.read_bytes() == document  # the input file is never modified

    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    for i, (name, text) in enumerate(BAD_CONFIGS.items()):
        bad = write_toml(bad_dir, text, f"bad-{i}.toml")
        inputs[bad] = bad.read_bytes()
        try:
            load_config(bad)
        except ConfigError as e:  # what serve, decode, screenshot and the GUI all show
            assert "\n" not in str(e), (name, str(e))
            evidence.add(f"bad config '{name}'", str(e), payload_free=True)
        else:
            raise AssertionError(f"config with {name} was accepted")
    for i in (0, 3):  # and as the commands print it, end to end
        bad = bad_dir / f"bad-{i}.toml"
        code, out_s, err_s = await run_serve_expecting_exit("--config", str(bad), env=env)
        assert code == 2 and len(err_s.strip().splitlines()) == 1, err_s
        code, out_b, err_b = await run_cli(
            "decode", str(doc_path), "--config", str(bad), env=env, cwd=tmp_path
        )
        assert code == 2, err_b
        evidence.add(
            f"bad config {i} (serve, decode)",
            out_s + err_s + (out_b + err_b).decode(),
            payload_free=True,
        )

    for name, data in files_written(tmp_path, inputs):
        evidence.add(f"file {name}", data)
        if name.endswith(".png"):
            evidence.add(f"file {name} text chunks", png_text(data), payload_free=True)
    assert any(name.startswith("file store/") for name in evidence.items)
    assert "file shot.png text chunks" in evidence.items

    leaks = [
        f"{what} in {where}"
        for what, needle in needles().items()
        for where, data in evidence.items.items()
        if needle in data
    ]
    leaks += [
        f"payload contents in {where}"
        for where in evidence.no_payloads
        if MARKER.encode() in evidence.items[where]
        or base64.b64encode(MARKER.encode()).rstrip(b"=")[:20] in evidence.items[where]
    ]
    assert not leaks, "\n".join(leaks)
    print(f"[secrets] searched {len(evidence.items)} outputs for {len(needles())} needles")
