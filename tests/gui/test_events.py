"""The Events page on a real dev-server history (retries, a timer, a child workflow, a
failing activity with a cause chain), checked against the CLI's own export of that run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from inspector.documents import parse_document
from inspector.documents.events import History, read_history
from inspector.gui.document_tab import DocumentTab
from inspector.gui.main_window import MainWindow
from inspector.gui.resources import SAMPLES_DIR
from tests.gui.conftest import Runner, WindowFactory, settle
from tests.support.aio import run_sync
from tests.support.event_workflows import (
    CAUSE_TEXT,
    DOOMED_TYPE,
    FLAKY_FAILURES,
    EventsRun,
    make_events_history,
)
from tests.support.temporal_server import TemporalDevServer

LINKS = ("scheduledEventId", "startedEventId", "initiatedEventId")


@pytest.fixture(scope="module")
def events_run(
    temporal_server: TemporalDevServer, tmp_path_factory: pytest.TempPathFactory
) -> EventsRun:
    out = tmp_path_factory.mktemp("events-history")
    return run_sync(lambda: make_events_history(temporal_server, out), timeout=180)


def _history(run: EventsRun) -> History:
    history = read_history(parse_document(run.path.read_bytes(), source=run.path.name))
    assert history is not None
    return history


def _group(history: History, kind: str, title: str) -> Any:
    return next(g for g in history.groups if g.kind == kind and g.title == title)


def test_every_event_of_the_export_in_order_and_grouped_by_its_links(
    events_run: EventsRun,
) -> None:
    history = _history(events_run)
    exported = events_run.history["events"]
    assert [e.event_id for e in history.events] == [int(e["eventId"]) for e in exported]
    # each event sits in the group of the event its attributes link to, as the server says
    group_of = {e.event_id: e.group for e in history.events}
    for raw in exported:
        attrs = next(v for k, v in raw.items() if k.endswith("EventAttributes"))
        for link in LINKS:
            if link in attrs and int(attrs[link]) in group_of:
                assert group_of[int(raw["eventId"])] == group_of[int(attrs[link])], raw
                break
    # every event in exactly one group
    members = sorted(n for g in history.groups for n in g.events)
    assert members == list(range(len(history.events)))


def test_retries_timer_child_and_failure(events_run: EventsRun) -> None:
    history = _history(events_run)
    flaky = _group(history, "activity", "inspector_flaky")
    assert flaky.status == "completed"
    assert flaky.attempt == FLAKY_FAILURES + 1 and flaky.retries == FLAKY_FAILURES
    assert flaky.last_attempt_failure is not None
    assert f"attempt {FLAKY_FAILURES} failed" in flaky.last_attempt_failure.message
    assert flaky.duration is not None and flaky.duration.total_seconds() > 0

    timers = [g for g in history.groups if g.kind == "timer"]
    assert [t.status for t in timers] == ["fired"]

    child = _group(history, "child workflow", "InspectorChildWorkflow")
    assert child.status == "completed"
    assert [history.events[n].type for n in child.events] == [
        "StartChildWorkflowExecutionInitiated",
        "ChildWorkflowExecutionStarted",
        "ChildWorkflowExecutionCompleted",
    ]

    doomed = _group(history, "activity", "inspector_doomed")
    assert doomed.status == "failed" and doomed.failure is not None
    chain = doomed.failure.chain()
    assert chain[0].type_name == DOOMED_TYPE and chain[0].non_retryable is True
    assert chain[0].message == "order ORDER-4711 failed"
    assert "Traceback" in chain[0].stack_trace or "line" in chain[0].stack_trace
    assert len(chain) == 2 and chain[1].type_name == "ValueError"
    assert chain[1].message == f"{CAUSE_TEXT} ORDER-4711"
    assert chain[0].details_pointer is not None
    # the workflow's own view of it: its result names the failure
    assert "order ORDER-4711 failed" in events_run.result["failed"]


def _open(make_window: WindowFactory, run: Runner, path: Path) -> tuple[MainWindow, DocumentTab]:
    window = make_window()
    window.open_path(path)
    run(settle(window))
    tab = window.current_tab()
    assert isinstance(tab, DocumentTab) and tab.history is not None
    return window, tab


def test_the_events_page_shows_the_failure_with_its_cause_chain(
    make_window: WindowFactory, run: Runner, events_run: EventsRun
) -> None:
    window, tab = _open(make_window, run, events_run.path)
    page = tab.inspector_page
    assert page.left_tabs.isTabVisible(page.events_tab)
    page.left_tabs.setCurrentIndex(page.events_tab)
    model = tab.events.model
    assert tab.history is not None
    assert model.rowCount() == len(tab.history.groups)
    failed = next(i for i, g in enumerate(tab.history.groups) if g.title == "inspector_doomed")
    tops = [model.index(r, 0) for r in range(model.rowCount())]
    top = next(i for i in tops if (node := model.node(i)) is not None and node.ref == failed)
    tab.events.tree.setCurrentIndex(top)
    run(settle(window))
    card = tab.detail.failure_card
    assert card.isVisible()
    text = card.text()
    assert f"{DOOMED_TYPE}: order ORDER-4711 failed" in text
    assert f"ValueError: {CAUSE_TEXT} ORDER-4711" in text
    assert "non-retryable" in text
    assert tab.detail.title.text().startswith("activity inspector_doomed")

    # a payload of the failed event: one click from the event, the same card beside it
    group = tab.history.groups[failed]
    last = tab.history.events[group.events[-1]]
    assert last.type == "ActivityTaskFailed" and last.payloads
    tab.events.tree.setCurrentIndex(model.index_of_payload(last.payloads[0]))
    run(settle(window))
    assert tab.selected_index() == last.payloads[0]
    assert tab.detail.failure_card.isVisible()
    assert '"order": "ORDER-4711"' in tab.detail.value_view.text()


def test_an_event_without_payloads_shows_itself(make_window: WindowFactory, run: Runner) -> None:
    window, tab = _open(make_window, run, SAMPLES_DIR / "history.json")
    assert tab.history is not None
    page = tab.inspector_page
    page.left_tabs.setCurrentIndex(page.events_tab)  # the page shows: its tree is filled
    timer = next(e for e in tab.history.events if e.type == "TimerStarted")
    tab.events.tree.setCurrentIndex(tab.events.model.index_of_event(timer.index))
    run(settle(window))
    assert tab.detail.title.text() == f"event {timer.event_id} · TimerStarted"
    assert '"timerStartedEventAttributes"' in tab.detail.value_view.text()
    assert tab.detail.current_pointer() == timer.pointer
    assert not tab.detail.failure_card.isVisible()


def test_documents_that_are_not_histories_have_no_events_page(
    make_window: WindowFactory, run: Runner
) -> None:
    _window, tab = _open_plain(make_window, run)
    page = tab.inspector_page
    assert not page.left_tabs.isTabVisible(page.events_tab)


def _open_plain(make_window: WindowFactory, run: Runner) -> tuple[MainWindow, DocumentTab]:
    window = make_window()
    window.open_path(SAMPLES_DIR / "payloads.json")
    run(settle(window))
    tab = window.current_tab()
    assert isinstance(tab, DocumentTab)
    return window, tab
