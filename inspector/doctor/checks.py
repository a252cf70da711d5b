"""The doctor's checks: a codec server tried the way the Web UI and the CLI use it.

Each check is one function over a ``Client`` that returns its ``CheckResult``, so a failure
names the check, what was seen and the fix. The server may be ours or anyone's: nothing
here imports the server; it is an HTTP client only.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
from temporalio.api.common.v1 import Payload

from inspector.doctor.client import WEB_UI_HEADERS, Answer, Client
from inspector.doctor.results import CheckResult, Status
from inspector.errors import InspectorError

DEFAULT_ORIGIN = "http://localhost:8233"  # the Web UI of `temporal server start-dev`
SLOW_SECONDS = 1.0
TOO_SLOW_SECONDS = 5.0
NO_SUCH_ROUTE = "doctor-no-such-route"  # how a server answers a path it does not serve


class DoctorUsageError(InspectorError, ValueError):
    """A URL or origin that is not one: ``doctor`` exits 2 with this line."""


@dataclass(frozen=True)
class DoctorOptions:
    """What to check: the endpoint, the Web UI's origin, and what to send."""

    url: str
    origin: str = DEFAULT_ORIGIN
    namespace: str | None = None
    auth: str | None = field(default=None, repr=False)
    sample: tuple[Payload, ...] = ()

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DoctorUsageError(
                f"URL {self.url!r} is not a codec endpoint like http://127.0.0.1:8081"
            )
        origin = urlsplit(self.origin)
        if origin.scheme not in ("http", "https") or not origin.hostname or origin.path:
            raise DoctorUsageError(
                f"--origin {self.origin!r} is not an origin like http://localhost:8233"
            )


def probe_payloads() -> list[Payload]:
    """Three different payloads (JSON, text, bytes) to send when no sample is given."""
    return [
        Payload(metadata={"encoding": b"json/plain"}, data=b'{"doctor":1,"text":"h\xc3\xa9llo"}'),
        Payload(metadata={"encoding": b"json/plain", "note": b"second"}, data=b'"doctor-2"'),
        Payload(metadata={"encoding": b"binary/plain"}, data=bytes(range(256)) * 3),
    ]


async def run_checks(options: DoctorOptions) -> list[CheckResult]:
    """Every check, in the checklist's order."""
    async with aiohttp.ClientSession() as session:
        client = Client(session, options.url, namespace=options.namespace, auth=options.auth)
        probes = list(options.sample) or probe_payloads()
        results = [
            await reachable(client, probes),
            await preflight(client, options.origin),
            await cors_on_errors(client, options.origin),
            https_for_tokens(options.url, options.auth),
            await count_and_order(client),
            await round_trip(client, list(options.sample)),
            await download(client),
            await bad_body(client),
        ]
        results.append(latency(client.answers))
        return results


# ---- each check -----------------------------------------------------------------------------


async def reachable(client: Client, probes: list[Payload]) -> CheckResult:
    answers = [
        await client.post("decode", probes),
        await client.post("decode", probes, query="preserveStorageRefs=true"),
        await client.post("encode", probes),
    ]
    bad = [a for a in answers if a.status != 200 or a.payloads() is None]
    if not bad:
        return CheckResult(
            "reachable", Status.OK, f"{', '.join(a.label for a in answers)}: 200 each"
        )
    first = bad[0]
    return CheckResult("reachable", Status.FAIL, _seen(bad), _reach_fix(first, client.url))


async def preflight(client: Client, origin: str) -> CheckResult:
    answer = await client.preflight("decode", origin)
    if answer.status is None or not 200 <= answer.status < 300:
        fix = "answer the CORS preflight (OPTIONS) with 204 and Access-Control-Allow-* headers"
        if answer.status == 403:
            fix = f"allow origin {origin} (ours: [server] allowed_origins or --allow-origin)"
        return CheckResult("preflight", Status.FAIL, f"{answer.seen()} from {origin}", fix)
    problems = _cors_problems(answer, origin)
    allowed = {
        h.strip().lower() for h in answer.headers.get("access-control-allow-headers", "").split(",")
    }
    missing = [h for h in WEB_UI_HEADERS if h.lower() not in allowed]
    if missing:
        problems.append(f"Access-Control-Allow-Headers lacks {', '.join(missing)}")
    methods = answer.headers.get("access-control-allow-methods", "").upper()
    if "POST" not in {m.strip() for m in methods.split(",")}:
        problems.append("Access-Control-Allow-Methods lacks POST")
    if problems:
        return CheckResult(
            "preflight",
            Status.FAIL,
            f"{answer.label} from {origin}: " + "; ".join(problems),
            "allow the origin with credentials, POST, and the headers "
            + ", ".join(WEB_UI_HEADERS)
            + " (the Web UI sends them with 'pass access token')",
        )
    return CheckResult(
        "preflight",
        Status.OK,
        f"{answer.label} from {origin}: {answer.status}, credentials and all of "
        f"{', '.join(WEB_UI_HEADERS)} allowed",
    )


async def cors_on_errors(client: Client, origin: str) -> CheckResult:
    answers = [
        await client.post("decode", b"not json", origin=origin),
        await client.post("download", probe_payloads()[:1], origin=origin),
    ]
    problems = []
    for answer in answers:
        if answer.status is None:
            problems.append(answer.seen())
        elif answer.status >= 400:
            lacks = _cors_problems(answer, origin)
            if lacks:
                problems.append(f"{answer.label} answered {answer.status}: {'; '.join(lacks)}")
    if problems:
        return CheckResult(
            "cors on errors",
            Status.FAIL,
            "; ".join(problems),
            "send Access-Control-Allow-Origin and -Credentials on error answers too; without "
            "them the browser hides the error and the Web UI silently shows encoded payloads",
        )
    statuses = ", ".join(f"{a.label} {a.status}" for a in answers)
    return CheckResult("cors on errors", Status.OK, f"CORS headers on the errors ({statuses})")


def https_for_tokens(url: str, auth: str | None) -> CheckResult:
    if urlsplit(url).scheme == "https":
        return CheckResult("https for tokens", Status.OK, "https:// endpoint")
    seen = "http:// endpoint: the Web UI's 'pass access token' sends tokens only over https://"
    fix = "serve over TLS ([server] tls_cert and tls_key) or behind an https:// proxy"
    if auth:
        return CheckResult(
            "https for tokens", Status.FAIL, seen + ", and a token is to be passed", fix
        )
    return CheckResult("https for tokens", Status.WARN, seen, fix)


async def count_and_order(client: Client) -> CheckResult:
    sent = probe_payloads()
    encoded = await client.post("encode", sent)
    got = encoded.payloads()
    if got is None or len(got) != len(sent):
        return _count_fail(encoded, sent, got)
    decoded = await client.post("decode", got)
    back = decoded.payloads()
    if back is None or len(back) != len(sent):
        return _count_fail(decoded, sent, back)
    seen = f"{len(sent)} payloads in, {len(sent)} out, in order (encode, then decode)"
    if back != sent:
        if sorted(map(_wire, back)) == sorted(map(_wire, sent)):
            return CheckResult(
                "payload count and order",
                Status.FAIL,
                f"{decoded.label}: the {len(sent)} payloads came back in another order",
                "answer payload i for request payload i: the SDKs match them by position",
            )
        seen = f"{len(sent)} payloads in, {len(sent)} out (their contents: see round trip)"
    return CheckResult("payload count and order", Status.OK, seen)


async def round_trip(client: Client, sample: list[Payload]) -> CheckResult:
    if sample:
        first = await client.post("decode", sample)
        originals = first.payloads()
        if first.status != 200 or originals is None:
            return CheckResult(
                "round trip",
                Status.FAIL,
                f"the sample does not decode: {first.seen()}",
                "check that the server's codecs and keys are the ones that wrote the sample",
            )
    else:
        originals = probe_payloads()
    encoded = await client.post("encode", originals)
    wrapped = encoded.payloads()
    decoded = await client.post("decode", wrapped) if wrapped is not None else encoded
    back = decoded.payloads()
    what = "the sample's decoded payloads" if sample else f"{len(originals)} payloads"
    if encoded.status != 200 or decoded.status != 200 or back is None:
        bad = decoded if encoded.status == 200 else encoded
        return CheckResult(
            "round trip", Status.FAIL, bad.seen(), "encode and decode must both answer 200"
        )
    if back != originals:
        changed = [i for i, (a, b) in enumerate(zip(back, originals, strict=False)) if a != b]
        return CheckResult(
            "round trip",
            Status.FAIL,
            f"encode → decode changed {what} (payload {', '.join(map(str, changed)) or 'count'})",
            "decode must undo encode exactly: metadata and data",
        )
    return CheckResult("round trip", Status.OK, f"encode → decode returns {what} unchanged")


async def download(client: Client) -> CheckResult:
    answer = await client.post("download", probe_payloads()[:1])
    if answer.status == 400:
        return CheckResult("download", Status.OK, f"{answer.seen()}: a non-reference is refused")
    if answer.status == 404:
        nowhere = await client.post(NO_SUCH_ROUTE, probe_payloads()[:1])
        if not _json_error(answer) or (nowhere.status, nowhere.body) == (404, answer.body):
            seen = f"{answer.seen()}, the same answer as a path that does not exist: no route"
        else:
            return CheckResult(
                "download",
                Status.OK,
                f"{answer.seen()}: no storage here; the Web UI says it is connected but not "
                "configured to download",
            )
    elif answer.status == 200:
        seen = f"{answer.label}: 200 for a payload that is not a storage reference"
    else:
        seen = answer.seen()
    return CheckResult(
        "download",
        Status.FAIL,
        seen,
        "serve POST /download: 400 for a payload that is not a reference, 404 when no "
        "storage is configured",
    )


async def bad_body(client: Client) -> CheckResult:
    bodies = [b"not json", b'{"payloads": [{"data": "not base64!"}]}']
    answers = [await client.post("decode", body) for body in bodies]
    wrong = [a for a in answers if a.status is None or not 400 <= a.status < 500]
    if not wrong:
        statuses = ", ".join(str(a.status) for a in answers)
        return CheckResult("bad body", Status.OK, f"bad bodies answered {statuses}")
    server_errors = [a for a in wrong if a.status is not None and a.status >= 500]
    fix = (
        "answer a bad body with 400: browsers and the CLI retry a 5xx"
        if server_errors
        else "answer a bad body with a 4xx (400)"
    )
    return CheckResult("bad body", Status.FAIL, _seen(wrong), fix)


def latency(answers: Sequence[Answer]) -> CheckResult:
    timed = [a for a in answers if a.status is not None]
    if not timed:
        return CheckResult("latency", Status.FAIL, "no request was answered", "start the server")
    median = statistics.median(a.seconds for a in timed) * 1000
    slowest = max(timed, key=lambda a: a.seconds)
    seen = (
        f"{len(timed)} requests: median {median:.0f} ms, slowest {slowest.seconds * 1000:.0f} ms "
        f"({slowest.label})"
    )
    if slowest.seconds >= TOO_SLOW_SECONDS:
        return CheckResult("latency", Status.FAIL, seen, "the Web UI gives up on slow answers")
    if slowest.seconds >= SLOW_SECONDS:
        return CheckResult(
            "latency", Status.WARN, seen, "small requests should answer in well under 1 s"
        )
    return CheckResult("latency", Status.OK, seen)


# ---- helpers --------------------------------------------------------------------------------


def _cors_problems(answer: Answer, origin: str) -> list[str]:
    """What an answer to a credentialed request from ``origin`` lacks for a browser."""
    problems = []
    allowed = answer.headers.get("access-control-allow-origin")
    if allowed is None:
        problems.append("no Access-Control-Allow-Origin")
    elif allowed == "*":
        problems.append(
            "Access-Control-Allow-Origin is '*', which browsers refuse with credentials"
        )
    elif allowed.rstrip("/").lower() != origin.rstrip("/").lower():
        problems.append(f"Access-Control-Allow-Origin is {allowed!r}, not {origin!r}")
    if answer.headers.get("access-control-allow-credentials", "").lower() != "true":
        problems.append("no Access-Control-Allow-Credentials: true")
    return problems


def _wire(payload: Payload) -> bytes:
    return payload.SerializeToString(deterministic=True)


def _json_error(answer: Answer) -> bool:
    document = answer.json()
    return isinstance(document, dict) and isinstance(document.get("error"), str)


def _seen(answers: Sequence[Answer]) -> str:
    return "; ".join(a.seen() for a in answers)


def _reach_fix(answer: Answer, url: str) -> str:
    if answer.status is None:
        return f"start the codec server, or check the host and port of {url}"
    if answer.status == 401:
        return "pass the server's token with --auth 'Bearer <token>'"
    if answer.status == 403:
        return "the server refused this Host or Origin: check allowed_hosts and allowed_origins"
    if answer.status == 404:
        return "the endpoint is the URL before /decode (e.g. http://127.0.0.1:8081/codec)"
    return "POST /decode and /encode must answer 200 with a Payloads document"


def _count_fail(answer: Answer, sent: list[Payload], got: list[Payload] | None) -> CheckResult:
    if got is None:
        return CheckResult(
            "payload count and order",
            Status.FAIL,
            answer.seen(),
            "answer 200 with a Payloads document",
        )
    return CheckResult(
        "payload count and order",
        Status.FAIL,
        f"{answer.label}: sent {len(sent)} payloads, got {len(got)} back",
        "answer exactly one payload per request payload, in the same order",
    )
