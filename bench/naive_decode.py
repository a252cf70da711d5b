"""The baseline of the decode benchmark: what a person would script in a few minutes.

Standard library and protobuf only: ``json.load`` the whole export, walk it for payload
lists, base64-decode and gunzip each gzip payload (reading a reference's blob from the
filesystem store first), ``json_format.MessageToDict`` the inner payload, ``json.dump`` the
document. No validation, no error handling, one thread. Its output is the same JSON value as
``payload-inspector decode``'s on the benchmark's history (the benchmark checks it).

Usage: ``python -m bench.naive_decode IN.json STORE_DIR OUT.json``
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload

REFERENCE = "temporal.api.sdk.v1.ExternalStorageReference"


def decode_payload(obj: dict[str, Any], store: Path) -> dict[str, Any]:
    payload = json_format.ParseDict(obj, Payload())
    if payload.metadata.get("messageType", b"").decode() == REFERENCE:
        claim = json.loads(payload.data)["claimData"]
        digest = claim["hash_value"]
        payload = Payload.FromString((store / "sha256" / digest[:2] / digest).read_bytes())
    if payload.metadata.get("encoding") == b"binary/gzip":
        payload = Payload.FromString(gzip.decompress(payload.data))
    result = json_format.MessageToDict(payload)
    if "metadata" in result:
        result["metadata"] = dict(sorted(result["metadata"].items()))
    return result


def walk(value: Any, store: Path) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            payloads = item.get("payloads")
            if isinstance(payloads, list):
                item["payloads"] = [decode_payload(p, store) for p in payloads]
                continue
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def main() -> None:
    source, store, out = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    with open(source, encoding="utf-8") as f:
        document = json.load(f)
    walk(document, store)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(document, f)


if __name__ == "__main__":
    main()
