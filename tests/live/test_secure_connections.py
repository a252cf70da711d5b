"""TLS, mTLS and API keys for real: a loopback gRPC proxy (``tests/support/grpc_proxy.py``)
serves TLS with certificates made here, demands a client certificate, records each call's
metadata and refuses a wrong API key, in front of the dev server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.config import write_config
from tests.support.grpc_proxy import GrpcProxy
from tests.support.history import HistoryRun
from tests.support.temporal_server import TemporalDevServer
from tests.support.tls import SERVER_NAME, Pki, make_pki

KEY = "inspector-test-api-key"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _tls(pki: Pki) -> tuple[bytes, bytes]:
    return pki.server_cert.read_bytes(), pki.server_key.read_bytes()


@pytest.fixture
def tls_proxy(paged_server: TemporalDevServer, pki: Pki) -> Iterator[GrpcProxy]:
    with GrpcProxy(paged_server.address, tls=_tls(pki)) as proxy:
        yield proxy


@pytest.fixture
def mtls_proxy(paged_server: TemporalDevServer, pki: Pki) -> Iterator[GrpcProxy]:
    with GrpcProxy(paged_server.address, tls=_tls(pki), client_ca=pki.ca.read_bytes()) as proxy:
        yield proxy


async def _fetch(
    history: HistoryRun, tmp: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, bytes, str]:
    config = write_config(tmp, {"live": history.profile})
    code, out, err = await run_cli(
        "decode", "--workflow-id", history.workflow_id, "--config", str(config), *args, env=env
    )
    return code, out, err.decode()


async def _expected(history: HistoryRun, tmp: Path) -> object:
    config = write_config(tmp, {"live": history.profile})
    code, out, err = await run_cli("decode", str(history.path), "--config", str(config))
    assert code == 0, err
    return json.loads(out)


async def test_tls_with_the_servers_ca(
    tls_proxy: GrpcProxy, pki: Pki, fs_history: HistoryRun, tmp_path: Path
) -> None:
    code, out, err = await _fetch(
        fs_history, tmp_path, "--address", tls_proxy.address,
        "--tls-ca", str(pki.ca), "--tls-server-name", SERVER_NAME,
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out) == await _expected(fs_history, tmp_path)
    # a CA given as file: and as env: (the PEM itself) work too
    for value, env in (
        (f"file:{pki.ca}", None),
        ("env:INSPECTOR_TEST_CA", {"INSPECTOR_TEST_CA": pki.ca.read_text()}),
    ):
        code, _, err = await _fetch(
            fs_history, tmp_path, "--address", tls_proxy.address, "--tls-ca", value, env=env
        )
        assert code == 0, err


async def test_tls_mismatches_are_one_line(
    tls_proxy: GrpcProxy, pki: Pki, fs_history: HistoryRun, tmp_path: Path
) -> None:
    cases = {
        "plain gRPC to a TLS server": ["--address", tls_proxy.address],
        "a CA that did not sign it": [
            "--address", tls_proxy.address, "--tls-ca", str(pki.other_ca),
        ],
        "the wrong server name": [
            "--address", tls_proxy.address, "--tls-ca", str(pki.ca),
            "--tls-server-name", "elsewhere.test",
        ],
    }  # fmt: skip
    for case, args in cases.items():
        code, out, err = await _fetch(fs_history, tmp_path, *args)
        assert code == 2 and out == b"", (case, err)
        assert err.count("\n") == 1 and "Traceback" not in err, (case, err)
        assert "TLS mismatch" in err, (case, err)
    code, _, err = await _fetch(fs_history, tmp_path, "--address", tls_proxy.address)
    assert "add --tls-ca" in err, err


async def test_mtls_demands_the_client_certificate(
    mtls_proxy: GrpcProxy, pki: Pki, fs_history: HistoryRun, tmp_path: Path
) -> None:
    base = ["--address", mtls_proxy.address, "--tls-ca", str(pki.ca)]
    code, out, err = await _fetch(fs_history, tmp_path, *base)
    assert code == 2 and out == b"" and err.count("\n") == 1, err
    assert "TLS mismatch" in err and "add --tls-cert and --tls-key" in err, err
    code, out, err = await _fetch(
        fs_history, tmp_path, *base, "--tls-cert", str(pki.client_cert),
        "--tls-key", str(pki.client_key),
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out) == await _expected(fs_history, tmp_path)
    assert mtls_proxy.seen  # the calls went through the proxy
    code, _, err = await _fetch(fs_history, tmp_path, *base, "--tls-cert", str(pki.client_cert))
    assert code == 2 and "give both" in err


async def test_api_key_arrives_as_authorization(
    paged_server: TemporalDevServer, pki: Pki, fs_history: HistoryRun, tmp_path: Path
) -> None:
    with GrpcProxy(paged_server.address, tls=_tls(pki), api_key=KEY) as proxy:
        base = ["--address", proxy.address, "--tls-ca", str(pki.ca)]
        code, _, err = await _fetch(
            fs_history, tmp_path, *base, "--api-key", "env:INSPECTOR_KEY",
            env={"INSPECTOR_KEY": KEY},
        )  # fmt: skip
        assert code == 0, err
        seen = proxy.authorizations()
        assert seen and all(a == f"Bearer {KEY}" for a in seen), seen
        methods = {s.method.rsplit("/", 1)[-1] for s in proxy.seen}
        assert "GetWorkflowExecutionHistory" in methods
        key_file = tmp_path / "key.txt"
        key_file.write_text(KEY + "\n")
        code, _, err = await _fetch(fs_history, tmp_path, *base, "--api-key", f"file:{key_file}")
        assert code == 0, err
        code, out, err = await _fetch(fs_history, tmp_path, *base, "--api-key", "wrong")
        assert code == 2 and out == b"" and "permission denied" in err, err
        assert "wrong" not in err  # the key itself is never printed
        code, _, err = await _fetch(fs_history, tmp_path, *base, "--api-key", "env:NOT_SET_HERE")
        assert code == 2 and "NOT_SET_HERE is not set" in err, err


async def test_cli_client_config_profile_with_tls(
    mtls_proxy: GrpcProxy, pki: Pki, fs_history: HistoryRun, tmp_path: Path
) -> None:
    """A `temporal` CLI profile (temporal.toml) carries address, namespace and mTLS."""
    toml = tmp_path / "temporal.toml"
    toml.write_text(
        "[profile.secure]\n"
        f'address = "{mtls_proxy.address}"\n'
        'namespace = "default"\n'
        "[profile.secure.tls]\n"
        f'server_ca_cert_path = "{pki.ca}"\n'
        f'server_name = "{SERVER_NAME}"\n'
        f'client_cert_path = "{pki.client_cert}"\n'
        f'client_key_path = "{pki.client_key}"\n'
    )
    env = {"TEMPORAL_CONFIG_FILE": str(toml)}
    code, out, err = await _fetch(fs_history, tmp_path, "--env-profile", "secure", env=env)
    assert code == 0, err
    assert json.loads(out) == await _expected(fs_history, tmp_path)
    code, _, err = await _fetch(fs_history, tmp_path, "--env-profile", "nope", env=env)
    assert code == 2 and "--env-profile nope" in err and err.count("\n") == 1, err
    code, out, err = await run_cli(
        "workflows", "--env-profile", "secure", "--query",
        f'WorkflowId="{fs_history.workflow_id}"', env=env,
    )  # fmt: skip
    assert code == 0 and fs_history.run_id in out.decode(), err.decode()
