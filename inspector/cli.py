"""The ``payload-inspector`` command: the app and its verbs (``decode``, ``serve``, …)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from inspector import __version__
from inspector.views import VIEWS


def _profile_options(p: argparse.ArgumentParser, *, exclusive: bool = True) -> None:
    p.add_argument("--config", metavar="PATH", help="config file (default: user config dir)")
    # decode's are checked by decode: with --workflow-id the two combine.
    group = p.add_mutually_exclusive_group() if exclusive else p
    group.add_argument("--profile", metavar="NAME", help="profile to use")
    group.add_argument("--namespace", metavar="NS", help="pick the profile serving NS")


STRICT_HELP = "exit 3 when a payload is left in a codec's encoding (always named on stderr)"


def _redact_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--redact",
        action="append",
        default=[],
        metavar="RULE",
        help="hide values in what is shown: key:NAME, path:/json/pointer/with/*, re:REGEX "
        "(repeatable; the config's [redaction] rules apply after these)",
    )


def _server_options(p: argparse.ArgumentParser) -> None:
    """decode's options for a history fetched from a Temporal server instead of a FILE."""
    from inspector.live.commandline import add_connection_options

    p.add_argument("--workflow-id", metavar="ID", help="fetch this workflow's history")
    p.add_argument("--run-id", metavar="RID", help="that run (default: the latest)")
    add_connection_options(p)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="payload-inspector",
        description="Read what a Temporal workflow really carried.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command")

    gui = sub.add_parser("gui", help="open the desktop app (the default)")
    gui.add_argument("file", nargs="*", help="documents to open, each in a tab")
    gui.add_argument("--config", metavar="PATH")

    dec = sub.add_parser("decode", help="decode a document and print it in the same shape")
    dec.add_argument(
        "files", nargs="*", metavar="FILE", help="the document, or - for stdin (default)"
    )
    dec.add_argument(
        "--output-dir",
        metavar="DIR",
        help="decode every FILE (or every .json file of a folder) into DIR, one output each",
    )
    dec.add_argument("--view", choices=VIEWS, default="decoded")
    dec.add_argument(
        "--format",
        choices=("input", "json"),
        default="input",
        help="a binary History or Cloud export: written back in binary (input) or as JSON",
    )
    _profile_options(dec, exclusive=False)
    _server_options(dec)
    dec.add_argument("--readable", action="store_true", help="render payloads for people")
    dec.add_argument(
        "--keep-going",
        action="store_true",
        help="print the document even when some payloads fail (left as they were)",
    )
    dec.add_argument("--strict", action="store_true", help=STRICT_HELP)
    _redact_option(dec)

    wfs = sub.add_parser("workflows", help="list a Temporal server's workflow executions")
    from inspector.live.commandline import add_connection_options

    add_connection_options(wfs)
    wfs.add_argument("--namespace", metavar="NS", help="the server's namespace (default: default)")
    wfs.add_argument("--query", metavar="QUERY", help='a visibility query: WorkflowType="Order"')
    wfs.add_argument("--limit", type=int, metavar="N", help="at most N executions")

    srv = sub.add_parser("serve", help="run the codec server")
    srv.add_argument("--config", metavar="PATH")
    srv.add_argument("--host", help="address to bind (default 127.0.0.1)")
    srv.add_argument("--port", type=int, help="port (0 picks a free one)")
    srv.add_argument(
        "--allow-origin",
        dest="allow_origins",
        action="append",
        default=[],
        metavar="URL",
        help="another origin allowed to call the server (repeatable)",
    )
    srv.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="N worker processes under gunicorn (default 1: this one process)",
    )

    shot = sub.add_parser("screenshot", help="render the app's view of FILE to a PNG")
    shot.add_argument("file")
    shot.add_argument("--view", choices=VIEWS, default="decoded")
    shot.add_argument("-o", "--output", metavar="OUT.png", help="the PNG (or use --evidence)")
    _profile_options(shot)
    shot.add_argument("--select", metavar="POINTER", help="JSON pointer of the payload to show")
    shot.add_argument("--strict", action="store_true", help=STRICT_HELP)
    _redact_option(shot)
    shot.add_argument(
        "--evidence",
        metavar="DIR",
        help="also write an evidence folder: the PNG, the shown value, manifest.json, rules.json",
    )
    dif = sub.add_parser("diff", help="compare two payloads, documents or runs, decoded")
    dif.add_argument("a", metavar="A", help="the first document")
    dif.add_argument("b", metavar="B", help="the second document")
    dif.add_argument("--select", metavar="POINTER", help="compare only the payload at POINTER")
    dif.add_argument(
        "--select-b", metavar="POINTER", help="the payload of B to compare (default: --select)"
    )
    dif.add_argument("--view", choices=VIEWS, default="decoded")
    _profile_options(dif)
    _redact_option(dif)
    dif.add_argument("--json", action="store_true", help="print the differences as JSON")

    ver = sub.add_parser("verify", help="check an evidence folder (and its source)")
    ver.add_argument("dir", metavar="DIR", help="the folder screenshot --evidence wrote")
    ver.add_argument("--source", metavar="FILE", help="the source document to check it against")
    ver.add_argument("--config", metavar="PATH")

    exp = sub.add_parser("explain", help="show every layer the pipeline took with one payload")
    exp.add_argument("file")
    exp.add_argument("--select", required=True, metavar="POINTER", help="the payload's pointer")
    _profile_options(exp)
    exp.add_argument("--json", action="store_true", help="the layers as one JSON object")

    doc = sub.add_parser("doctor", help="check a codec server as the Web UI and the CLI use it")
    doc.add_argument("url", metavar="URL", help="the codec endpoint, e.g. http://127.0.0.1:8081")
    doc.add_argument("--origin", metavar="ORIGIN", help="the Web UI's origin to check CORS for")
    doc.add_argument("--namespace", metavar="NS", help="sent as X-Namespace")
    doc.add_argument("--auth", metavar="VALUE", help="sent as Authorization")
    doc.add_argument("--sample", metavar="FILE", help="a document whose payloads to send")
    return parser


# Each verb's module, imported only when it runs: ``--help`` and ``decode`` never load Qt.
_COMMANDS = {
    "gui": "inspector.commands.gui",
    "decode": "inspector.commands.decode",
    "workflows": "inspector.commands.workflows",
    "serve": "inspector.commands.serve",
    "screenshot": "inspector.commands.screenshot",
    "diff": "inspector.commands.diff",
    "verify": "inspector.commands.verify",
    "explain": "inspector.commands.explain",
    "doctor": "inspector.commands.doctor",
}


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(args_list)  # argparse exits 2 on bad usage
    command = importlib.import_module(_COMMANDS[args.command or "gui"])
    code: int = command.main(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
