"""Tracing the selected payload's layers in the background, for the Layers tab and the
error card's diagnosis: one traced decode (and its diagnosis tries) per payload and profile.

The tries build pipelines of other profiles, so they run on the task runner, the newest
request cancelling an older one, and each explanation is kept until the profile changes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from inspector.diagnosis import Diagnoser, Explanation
from inspector.documents import Document
from inspector.errors import InspectorError, first_line

from .profile_choice import ProfileChoice
from .tasks import Progress, TaskRunner

KEPT = 64  # explanations kept per tab: revisiting a row shows its layers at once

Shown = Callable[[int, Explanation], None]
Message = Callable[[int, str], None]


class LayersTracer:
    """Explains payloads of one document under its tab's profile."""

    def __init__(self, runner: TaskRunner, choice: ProfileChoice, key: str) -> None:
        self._runner = runner
        self._choice = choice
        self._key = f"{key}:layers"
        self._kept: OrderedDict[tuple[int, int], Explanation] = OrderedDict()
        self._tracing: tuple[int, int] | None = None

    def request(self, doc: Document, index: int, shown: Shown, message: Message) -> None:
        """Explain payload ``index`` (or show the kept explanation), then call ``shown``."""
        choice, generation = self._choice, self._choice.generation
        kept = self._kept.get((generation, index))
        if kept is not None:
            shown(index, kept)
            return
        if self._tracing == (generation, index) and self._runner.is_running(self._key):
            return  # already on its way (the detail is refreshed often while results arrive)
        if choice.profile is None:
            message(index, f"No layers: {choice.error or 'no profile selected'}")
            return
        diagnoser = Diagnoser(choice.config, choice.profile, choice.namespace)
        payload = doc.payloads[index].payload

        async def work(progress: Progress) -> None:
            try:
                explanation = await diagnoser.explain(payload)
            except InspectorError as e:  # the profile cannot be built: say so where it shows
                message(index, f"No layers: {first_line(e)}")
                return
            finally:
                await diagnoser.aclose()
            self._kept[(generation, index)] = explanation
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
            if choice.generation == generation:
                shown(index, explanation)

        label = doc.payloads[index].location.label
        self._tracing = (generation, index)
        self._runner.start(self._key, f"Tracing the layers of {label}", work)

    def cancel(self) -> None:
        self._runner.cancel(self._key)
