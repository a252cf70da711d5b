"""Parts 1 and 2: our server against the seed, and against the one-core floor.

Four processes: moto's S3 server, the seed's routes (``bench.seed_server``), ``payload-inspector
serve``, and the load generator (``bench.loadgen``); this one only prepares bodies and reads
results. Each case runs in interleaved rounds (seed, ours, seed, ours, …) with fixed request
counts at concurrency 8.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from bench import bodies
from bench.loadgen import Step
from bench.processes import FAKE_AWS_ENV, Server, child_env, python_module

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seed" / "handler.py"
BUCKET = "bench-payloads"
CONCURRENCY = 8
LOADGEN_TIMEOUT = 600.0


@dataclass
class Settings:
    """Request counts per step and rounds per case (``--quick`` shrinks them)."""

    rounds: int = 7
    large_requests: int = 100
    large_warmup: int = 8
    small_requests: int = 4000
    small_warmup: int = 200
    reference_bodies: int = 24  # per round; each body holds REFERENCES_PER_BODY references
    references_per_body: int = 10

    @classmethod
    def quick(cls) -> Settings:
        """A smoke run: every case, few requests (numbers are not worth much)."""
        return cls(
            rounds=3,
            large_requests=16,
            large_warmup=2,
            small_requests=300,
            small_warmup=30,
            reference_bodies=8,
        )


@dataclass
class Case:
    """One case's rounds: per server, a list of loadgen results (as dicts)."""

    name: str
    rounds: list[dict[str, Any]]

    def ratios(self, ours: str, seed: str) -> list[float]:
        return [r[ours]["rps"] / r[seed]["rps"] for r in self.rounds]

    def median_ratio(self, ours: str, seed: str) -> float:
        return statistics.median(self.ratios(ours, seed))


def our_config(path: Path, endpoint_url: str) -> Path:
    """The profile both servers mirror: gzip, then the SDK's S3 driver on the moto bucket."""
    path.write_text(
        f"""[server]
host = "127.0.0.1"
port = 0

[profiles.default]
namespaces = ["*"]
codecs = ["gzip"]
[profiles.default.storage]
driver = "s3"
bucket = "{BUCKET}"
endpoint_url = "{endpoint_url}"
region = "us-east-1"
"""
    )
    return path


async def reference_bodies(
    endpoint_url: str, sets: int, per_set: int, per_body: int, out: Path
) -> list[list[Path]]:
    """``sets`` × ``per_set`` bodies of ``per_body`` distinct references each, written by the
    SDK's ``DataConverter`` through its S3 driver (every value is over the threshold)."""
    import aioboto3
    from temporalio.contrib.aws.s3driver import S3StorageDriver
    from temporalio.contrib.aws.s3driver.aioboto3 import new_aioboto3_client

    base = bodies.value_of_size(3, 12 * 1024)
    result: list[list[Path]] = []
    session = aioboto3.Session()
    async with session.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=FAKE_AWS_ENV["AWS_REGION"],
        aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    ) as client:
        await client.create_bucket(Bucket=BUCKET)
        driver = S3StorageDriver(new_aioboto3_client(client), BUCKET)
        converter = bodies.converter([driver], threshold=1024)
        for s in range(sets):
            paths = []
            for b in range(per_set):
                values = []
                for i in range(per_body):
                    value = list(base)
                    value[0] = {"set": s, "body": b, "item": i}  # every object distinct
                    values.append(value)
                payloads = await converter.encode(values)
                assert all(len(p.external_payloads) == 1 for p in payloads)
                path = out / f"refs-{s}-{b}.json"
                path.write_bytes(bodies.payloads_json(payloads))
                paths.append(path)
            result.append(paths)
    return result


def run_loadgen(steps: Sequence[Step], scratch: Path, name: str) -> list[dict[str, Any]]:
    plan = scratch / f"plan-{name}.json"
    out = scratch / f"results-{name}.json"
    plan.write_text(json.dumps([asdict(s) for s in steps]))
    subprocess.run(
        python_module("bench.loadgen", str(plan), str(out)),
        check=True,
        timeout=LOADGEN_TIMEOUT,
        env=child_env(),
        cwd=REPO,
    )
    results: list[dict[str, Any]] = json.loads(out.read_text())
    for r in results:
        if r["errors"]:
            raise RuntimeError(
                f"{r['label']}: {r['errors']} failed requests, e.g. {r['first_error']}"
            )
    return results


def answers_differ(a: Path, b: Path) -> str | None:
    """None when both servers decoded to the same payloads (the seed indents its JSON, we do
    not); else where they first differ, so that a failed run says what it saw."""
    left = json_format.Parse(a.read_bytes(), Payloads()).payloads
    right = json_format.Parse(b.read_bytes(), Payloads()).payloads
    if len(left) != len(right):
        return f"{a.name} has {len(left)} payloads, {b.name} {len(right)}"
    for i, (x, y) in enumerate(zip(left, right, strict=True)):
        if x != y:
            return (
                f"payload {i}: {a.name} {dict(x.metadata)!r:.200} {len(x.data)} B of data, "
                f"{b.name} {dict(y.metadata)!r:.200} {len(y.data)} B"
            )
    return None


def interleaved(
    name: str,
    servers: dict[str, Server],
    path: str,
    body_files: Sequence[Path],
    requests: int,
    warmup: int,
    rounds: int,
    scratch: Path,
) -> Case:
    steps = []
    for r in range(rounds):
        for label, server in servers.items():
            steps.append(
                Step(
                    label=f"{name}/{r}/{label}",
                    url=server.url + path,
                    server_pid=server.pid,
                    bodies=[str(p) for p in body_files],
                    requests=requests,
                    warmup=warmup,
                    concurrency=CONCURRENCY,
                    headers={"X-Namespace": "default"},
                    save_first_answer=str(scratch / f"answer-{name}-{label}.json")
                    if r == 0
                    else None,
                )
            )
    results = iter(run_loadgen(steps, scratch, name))
    case = Case(name, [{label: next(results) for label in servers} for _ in range(rounds)])
    first, second = (scratch / f"answer-{name}-{label}.json" for label in servers)
    if (difference := answers_differ(first, second)) is not None:
        raise RuntimeError(f"{name}: the servers' answers differ: {difference}")
    return case


def references_case(servers: dict[str, Server], sets: list[list[Path]], scratch: Path) -> Case:
    """Each round a fresh set of references, downloaded twice from each server.

    The last set only warms up (each server opens its S3 client on first use) and is not
    reported.
    """
    *sets, warmup = sets
    steps = [
        Step(
            label=f"references/warm-up/{label}",
            url=server.url + "/download",
            bodies=[str(p) for p in warmup],
            requests=len(warmup),
            concurrency=CONCURRENCY,
            headers={"X-Namespace": "default"},
        )
        for label, server in servers.items()
    ]
    for r, paths in enumerate(sets):
        for attempt in ("first", "again"):
            for label, server in servers.items():
                steps.append(
                    Step(
                        label=f"references/{r}/{label}/{attempt}",
                        url=server.url + "/download?preserveStorageRefs=true",
                        server_pid=server.pid,
                        bodies=[str(p) for p in paths],
                        requests=len(paths),
                        concurrency=CONCURRENCY,
                        headers={"X-Namespace": "default"},
                        save_first_answer=str(scratch / f"answer-refs-{label}.json")
                        if r == 0 and attempt == "first"
                        else None,
                    )
                )
    results = iter(run_loadgen(steps, scratch, "references")[len(servers) :])
    rounds = []
    for _ in sets:
        row: dict[str, Any] = {}
        for attempt in ("first", "again"):
            for label in servers:
                row[f"{label}/{attempt}"] = next(results)
        rounds.append(row)
    labels = list(servers)
    answers = [scratch / f"answer-refs-{label}.json" for label in labels]
    if (difference := answers_differ(answers[0], answers[1])) is not None:
        raise RuntimeError(f"references: the servers' answers differ: {difference}")
    return Case("references", rounds)


def floor(body: Path, scratch: Path) -> dict[str, Any]:
    out = scratch / "floor.json"
    subprocess.run(
        python_module("bench.floor", str(body), str(out)),
        check=True,
        timeout=LOADGEN_TIMEOUT,
        env=child_env(),
        cwd=REPO,
    )
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def run(scratch: Path, settings: Settings) -> dict[str, Any]:
    """Every server case and the floor; returns what the report needs."""
    log = print
    with Server("moto", python_module("bench.moto_s3"), scratch) as moto:
        log(f"moto S3 at {moto.url}; making bodies …", flush=True)
        large = scratch / "large.json"
        large.write_bytes(asyncio.run(bodies.large_body()))
        small = scratch / "small.json"
        small.write_bytes(asyncio.run(bodies.small_body()))
        sets = asyncio.run(
            reference_bodies(
                moto.url,
                settings.rounds + 1,
                settings.reference_bodies,
                settings.references_per_body,
                scratch,
            )
        )
        config = our_config(scratch / "config.toml", moto.url)
        serve = [str(Path(sys.executable).with_name("payload-inspector")), "serve"]
        with (
            Server(
                "seed",
                python_module(
                    "bench.seed_server",
                    "--seed",
                    str(SEED),
                    "--endpoint-url",
                    moto.url,
                    "--bucket",
                    BUCKET,
                ),
                scratch,
            ) as seed,
            Server("ours", [*serve, "--config", str(config), "--port", "0"], scratch) as ours,
        ):
            servers = {"seed": seed, "ours": ours}
            log("large bodies …", flush=True)
            large_case = interleaved(
                "large",
                servers,
                "/decode",
                [large],
                settings.large_requests,
                settings.large_warmup,
                settings.rounds,
                scratch,
            )
            log("small bodies …", flush=True)
            small_case = interleaved(
                "small",
                servers,
                "/decode?preserveStorageRefs=true",
                [small],
                settings.small_requests,
                settings.small_warmup,
                settings.rounds,
                scratch,
            )
            log("references …", flush=True)
            refs_case = references_case(servers, sets, scratch)
            log("large bodies, one worker and two …", flush=True)
            two = [*serve, "--config", str(config), "--port", "0", "--workers", "2"]
            with Server("ours-2-workers", two, scratch) as ours_two:
                workers_case = interleaved(
                    "workers",
                    {"1 worker": ours, "2 workers": ours_two},
                    "/decode",
                    [large],
                    settings.large_requests,
                    settings.large_warmup,
                    settings.rounds,
                    scratch,
                )
    log("one-core floor …", flush=True)
    floor_result = floor(large, scratch)
    return {
        "large_body_bytes": large.stat().st_size,
        "small_body_bytes": small.stat().st_size,
        "large": asdict(large_case),
        "small": asdict(small_case),
        "references": asdict(refs_case),
        "workers": asdict(workers_case),
        "floor": floor_result,
    }
