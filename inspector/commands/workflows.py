"""``payload-inspector workflows``: the executions a visibility query finds, one JSON object
a line (``workflowId``, ``runId``, ``type``, ``status``, ``startTime``, ``closeTime``).

Exit 0 done; 2 bad usage or connection trouble (one line on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import TextIO

from inspector.commands import ExitCode, fail
from inspector.errors import InspectorError
from inspector.live.commandline import connection_from
from inspector.live.connection import connect
from inspector.live.listing import list_executions

PROG = "payload-inspector workflows"


async def list_main(args: argparse.Namespace, out: TextIO) -> int:
    client, conn = await connect(connection_from(args))
    async for row in list_executions(client, conn, args.query or "", args.limit):
        out.write(json.dumps(row.to_json(), ensure_ascii=False) + "\n")
    out.flush()
    return ExitCode.OK


def main(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        return fail(PROG, f"--limit must be 1 or more, got {args.limit}")
    try:
        return asyncio.run(list_main(args, sys.stdout))
    except InspectorError as e:
        return fail(PROG, str(e))
    except BrokenPipeError:  # `workflows … | head`: the reader left, as a shell would say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.BROKEN_PIPE
