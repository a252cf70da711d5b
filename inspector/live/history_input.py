"""``decode --workflow-id``'s input: the fetched history as the seekable file ``decode FILE``
reads, so everything after it (the view, the output, the exit codes) is the one path."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from typing import Any, BinaryIO

from inspector.live.commandline import connection_from
from inspector.live.fetch import fetch_history_json


async def server_namespace(req: Any) -> str:
    """The namespace the history is read from: ``--namespace``, else the CLI profile's, else
    ``default``; it also picks the inspector profile (unless ``--profile`` is given)."""
    args = await asyncio.to_thread(connection_from(req).resolve)
    return args.namespace


@contextlib.asynccontextmanager
async def fetched_input(req: Any) -> AsyncIterator[tuple[BinaryIO, str]]:
    """The history of ``req.workflow_id`` (``req.run_id``) from the server ``req`` names, as a
    temporary file of ``temporal workflow show -o json``'s text, and its name for messages
    (``workflow ID``)."""
    text = await fetch_history_json(connection_from(req), req.workflow_id, req.run_id)
    with tempfile.TemporaryFile() as spool:
        await asyncio.to_thread(spool.write, text)
        del text
        spool.seek(0)
        yield spool, f"workflow {req.workflow_id}"
