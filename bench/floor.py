"""Part 2, the floor: what decoding the large body costs with nothing around it.

One process pinned to one core does only the work no codec server can skip: parse the JSON,
base64-decode, gunzip, parse the inner ``Payload``, base64-encode and write the answer's
JSON. No HTTP, no validation, no pipeline, no error handling. It is measured twice: with
the libraries the server uses (isal's inflate, pybase64; the floor the server is compared
with) and with the standard library alone (json, base64, gzip), for reference.

Usage: ``python -m bench.floor BODY.json RESULT.json``
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pybase64
from isal import isal_zlib
from temporalio.api.common.v1 import Payload

MIN_SECONDS = 1.0
REPEATS = 5


def decode_stdlib(body: bytes) -> bytes:
    """gzip-decode every payload of a ``Payloads`` body and write the answer (stdlib)."""
    out = []
    for item in json.loads(body)["payloads"]:
        inner = Payload.FromString(gzip.decompress(base64.b64decode(item["data"])))
        out.append(
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in inner.metadata.items()},
                "data": base64.b64encode(inner.data).decode(),
            }
        )
    return json.dumps({"payloads": out}, separators=(",", ":")).encode()


def decode_fast(body: bytes) -> bytes:
    """The same work with the server's libraries, the answer joined from pieces."""
    parts = [b'{"payloads":[']
    for i, item in enumerate(json.loads(body)["payloads"]):
        raw = isal_zlib.decompress(pybase64.b64decode(item["data"]), wbits=31)
        inner = Payload.FromString(raw)
        metadata = b",".join(
            json.dumps(k).encode() + b':"' + pybase64.b64encode(v) + b'"'
            for k, v in sorted(inner.metadata.items())
        )
        data = pybase64.b64encode(inner.data)
        parts.extend((b"," if i else b"", b'{"metadata":{', metadata, b'},"data":"', data, b'"}'))
    parts.append(b"]}")
    return b"".join(parts)


def bodies_per_second(decode: Callable[[bytes], bytes], body: bytes) -> float:
    count = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < MIN_SECONDS or count < 5:
        decode(body)
        count += 1
    return count / elapsed


def measure(decode: Callable[[bytes], bytes], body: bytes) -> dict[str, object]:
    decode(body)  # warm up
    runs = [bodies_per_second(decode, body) for _ in range(REPEATS)]
    return {"rps": statistics.median(runs), "runs": runs}


def main() -> None:
    body = Path(sys.argv[1]).read_bytes()
    assert json.loads(decode_fast(body)) == json.loads(decode_stdlib(body))
    cpu = sorted(os.sched_getaffinity(0))[-1]
    os.sched_setaffinity(0, {cpu})  # one core, whatever else the machine runs
    result = {
        "cpu": cpu,
        "fast": measure(decode_fast, body),
        "stdlib": measure(decode_stdlib, body),
    }
    Path(sys.argv[2]).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
