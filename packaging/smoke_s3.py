"""Smoke check of the frozen build's S3 path: its trimmed botocore still reaches S3.

The build keeps only botocore's S3/STS/SSO models; this proves that is enough. moto's S3
server (the test stack's, on loopback) gets payloads that the source install encodes with
gzip and offloads to a bucket; then the frozen binary and the source install each run
``decode`` on that document (fetching every reference back from S3), and their outputs must
be equal byte for byte. Run by packaging/smoke.sh with the project's venv Python:

    python packaging/smoke_s3.py FROZEN_BINARY SOURCE_BINARY WORK_DIR
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smoke_checks import same_output  # noqa: E402  (packaging/, the script's own dir)

from inspector.config import parse_config  # noqa: E402
from inspector.documents import parse_document, payload_to_json  # noqa: E402
from inspector.runtime import build_pipeline  # noqa: E402
from tests.support.s3 import MotoS3  # noqa: E402

SAMPLE = ROOT / "inspector" / "resources" / "samples" / "payloads.json"
TIMEOUT_SECONDS = 120


def _config(endpoint_url: str, bucket: str) -> str:
    return f"""
[profiles.s3]
namespaces = ["default", "*"]
codecs = ["gzip"]
[profiles.s3.storage]
driver = "s3"
bucket = "{bucket}"
endpoint_url = "{endpoint_url}"
region = "us-east-1"
threshold = 64
timeout_seconds = 20
"""


async def _encode(config_path: Path, config_text: str, sample: bytes) -> dict[str, object]:
    """The sample's payloads, gzip-encoded and (past 64 bytes) offloaded to the bucket."""
    config = parse_config(config_text, source=config_path)
    pipeline = build_pipeline(config.select(profile="s3"))
    try:
        doc = parse_document(sample, SAMPLE.name)
        outcomes = await pipeline.encode([found.payload for found in doc.payloads])
    finally:
        await pipeline.aclose()
    encoded = []
    for outcome in outcomes:
        if outcome.payload is None:
            raise SystemExit(f"smoke_s3: encode failed: {outcome.error}")
        encoded.append(payload_to_json(outcome.payload))
    return {"payloads": encoded}


def _decode(binary: str, document: Path, config: Path, view: str) -> bytes:
    result = subprocess.run(
        [binary, "decode", str(document), "--config", str(config), "--view", view],
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        stderr = result.stderr.decode(errors="replace").strip()
        raise SystemExit(
            f"smoke_s3: {binary} decode --view {view}: exit {result.returncode}: {stderr}"
        )
    return result.stdout


def main(frozen: str, source: str, work: str) -> int:
    work_dir = Path(work)
    with MotoS3() as s3:  # sets fake AWS credentials; the subprocesses inherit them
        bucket = s3.create_bucket()
        config_path = work_dir / "s3-config.toml"
        config_path.write_text(_config(s3.endpoint_url, bucket))
        document = work_dir / "payloads-in-s3.json"
        document.write_text(
            json.dumps(
                asyncio.run(_encode(config_path, config_path.read_text(), SAMPLE.read_bytes())),
                indent=2,
            )
        )
        stored = s3.list_keys(bucket)
        if not stored:
            raise SystemExit("smoke_s3: nothing was offloaded to S3; the check would prove nothing")
        for view in ("decoded", "refs"):
            ours = work_dir / f"s3-{view}.frozen.json"
            theirs = work_dir / f"s3-{view}.source.json"
            ours.write_bytes(_decode(frozen, document, config_path, view))
            theirs.write_bytes(_decode(source, document, config_path, view))
            print(f"smoke_s3: --view {view}: ", end="")
            if same_output(ours, theirs) != 0:
                raise SystemExit(f"smoke_s3: --view {view}: frozen output differs from source")
        original = json.loads(SAMPLE.read_text())
        decoded = json.loads(_decode(frozen, document, config_path, "decoded"))
        if decoded != original:
            raise SystemExit("smoke_s3: frozen decode of the S3 document is not the original")
    print(f"smoke_s3: {len(stored)} blobs fetched from S3, frozen output equals source")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    sys.exit(main(*sys.argv[1:]))
