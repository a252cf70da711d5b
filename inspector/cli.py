"""The ``payload-inspector`` command: the app, ``decode``, ``serve`` and ``screenshot``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from inspector import __version__
from inspector.views import VIEWS


def _profile_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="PATH", help="config file (default: user config dir)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--profile", metavar="NAME", help="profile to use")
    group.add_argument("--namespace", metavar="NS", help="pick the profile serving NS")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="payload-inspector",
        description="Read what a Temporal workflow really carried.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command")

    gui = sub.add_parser("gui", help="open the desktop app (the default)")
    gui.add_argument("file", nargs="?", help="a document to open")
    gui.add_argument("--config", metavar="PATH")

    dec = sub.add_parser("decode", help="decode a document and print it in the same shape")
    dec.add_argument("file", nargs="?", default="-", help="the document, or - for stdin")
    dec.add_argument("--view", choices=VIEWS, default="decoded")
    _profile_options(dec)
    dec.add_argument("--readable", action="store_true", help="render payloads for people")
    dec.add_argument(
        "--keep-going",
        action="store_true",
        help="print the document even when some payloads fail (left as they were)",
    )

    srv = sub.add_parser("serve", help="run the codec server")
    srv.add_argument("--config", metavar="PATH")
    srv.add_argument("--host", help="address to bind (default 127.0.0.1)")
    srv.add_argument("--port", type=int, help="port (0 picks a free one)")
    srv.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="URL",
        help="another origin allowed to call the server (repeatable)",
    )

    shot = sub.add_parser("screenshot", help="render the app's view of FILE to a PNG")
    shot.add_argument("file")
    shot.add_argument("--view", choices=VIEWS, default="decoded")
    shot.add_argument("-o", "--output", required=True, metavar="OUT.png")
    _profile_options(shot)
    shot.add_argument("--select", metavar="POINTER", help="JSON pointer of the payload to show")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)  # argparse exits 2 with one usage line on bad usage
    command = args.command or "gui"
    if command == "decode":
        from inspector.commands.decode import DecodeRequest, run_decode

        return run_decode(
            DecodeRequest(
                file=args.file,
                view=args.view,
                config=args.config,
                profile=args.profile,
                namespace=args.namespace,
                readable=args.readable,
                keep_going=args.keep_going,
            )
        )
    if command == "serve":
        from inspector.commands.serve import run_serve

        return run_serve(
            config=args.config, host=args.host, port=args.port, allow_origins=args.allow_origin
        )
    if command == "screenshot":
        from inspector.commands.screenshot import run_screenshot

        return run_screenshot(
            file=args.file,
            view=args.view,
            output=args.output,
            config=args.config,
            profile=args.profile,
            namespace=args.namespace,
            select=args.select,
        )
    from inspector.gui.app import run_gui

    return run_gui(file=getattr(args, "file", None), config=getattr(args, "config", None))


if __name__ == "__main__":
    sys.exit(main())
