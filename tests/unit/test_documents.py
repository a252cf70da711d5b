"""Tests for inspector.documents: finding payloads in documents and writing them back.

Payloads come from the real SDK's converters and histories from the real protobuf messages
(serialised with json_format, as the server's JSON is), so the shapes are the real ones.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import time
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import (
    ActivityType,
    Header,
    Memo,
    Payload,
    Payloads,
    WorkflowType,
)
from temporalio.api.enums.v1 import EventType
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import History, HistoryEvent
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    encode_search_attributes,
)
from temporalio.exceptions import ApplicationError

from inspector.documents import (
    Document,
    DocumentError,
    DocumentKind,
    FoundPayload,
    Location,
    parse_document,
    payload_from_json,
    payload_to_json,
    payload_to_readable,
    render_readable,
    write_document,
)
from inspector.documents.writing import rebuild

CONVERTER = DataConverter.default.payload_converter


def to_payloads(*values: Any) -> list[Payload]:
    return list(CONVERTER.to_payloads(list(values)))


def to_payload(value: Any) -> Payload:
    return to_payloads(value)[0]


def from_payload(payload: Payload) -> Any:
    return CONVERTER.from_payloads([payload])[0]


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def locations(doc: Document) -> list[tuple[str, str]]:
    return [(f.location.pointer, f.location.label) for f in doc.payloads]


def resolve(root: Any, pointer: str) -> Any:
    """RFC 6901 lookup, independent of the module under test."""
    node = root
    if pointer == "":
        return node
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


# --------------------------------------------------------------------------- fixtures


def make_failure() -> Failure:
    """An ActivityTaskFailed failure as the SDK writes it: encoded attributes, a cause."""
    try:
        try:
            raise ApplicationError("card declined", {"why": "limit"}, type="Declined")
        except ApplicationError as inner:
            raise ApplicationError("charge failed", "retry later", type="ChargeError") from inner
    except ApplicationError as err:
        failure = Failure()
        DefaultFailureConverterWithEncodedAttributes().to_failure(err, CONVERTER, failure)
        return failure


def make_history() -> History:
    """A realistic history built from the real protobuf messages."""
    history = History()

    started = history.events.add(
        event_id=1, event_type=EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
    )
    started.user_metadata.summary.CopyFrom(to_payload("order workflow"))
    attrs = started.workflow_execution_started_event_attributes
    attrs.workflow_type.CopyFrom(WorkflowType(name="OrderWorkflow"))
    attrs.input.CopyFrom(Payloads(payloads=to_payloads({"order": 42}, "express")))
    attrs.memo.CopyFrom(Memo(fields={"customer": to_payload({"name": "Ada"})}))
    attrs.header.CopyFrom(Header(fields={"x-trace": to_payload("trace-1")}))
    encode_search_attributes(
        TypedSearchAttributes(
            [SearchAttributePair(SearchAttributeKey.for_keyword("CustomKeyword"), "gold")]
        ),
        attrs.search_attributes,
    )

    history.events.add(event_id=2, event_type=EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)

    signaled = history.events.add(
        event_id=3, event_type=EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    )
    signaled.workflow_execution_signaled_event_attributes.signal_name = "approve"
    signaled.workflow_execution_signaled_event_attributes.input.CopyFrom(
        Payloads(payloads=to_payloads("yes"))
    )

    scheduled = history.events.add(
        event_id=4, event_type=EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    )
    sched = scheduled.activity_task_scheduled_event_attributes
    sched.activity_type.CopyFrom(ActivityType(name="charge"))
    sched.input.CopyFrom(Payloads(payloads=to_payloads(b"\x00\x01binary")))

    completed = history.events.add(
        event_id=5, event_type=EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
    )
    completed.activity_task_completed_event_attributes.result.CopyFrom(
        Payloads(payloads=to_payloads({"ok": True}))
    )

    failed = history.events.add(event_id=6, event_type=EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)
    failed.activity_task_failed_event_attributes.failure.CopyFrom(make_failure())

    done = history.events.add(
        event_id=7, event_type=EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    )
    done.workflow_execution_completed_event_attributes.result.CopyFrom(
        Payloads(payloads=to_payloads(None))
    )
    return history


def history_dict() -> dict[str, Any]:
    return json_format.MessageToDict(make_history())


A = "/events/0/workflowExecutionStartedEventAttributes"
EXPECTED_HISTORY = [
    # (pointer, label, event_id, event_type, field, transform)
    (f"{A}/input/payloads/0", "input[0]", 1, "WorkflowExecutionStarted", True),
    (f"{A}/input/payloads/1", "input[1]", 1, "WorkflowExecutionStarted", True),
    (f"{A}/memo/fields/customer", "memo.customer", 1, "WorkflowExecutionStarted", True),
    (
        f"{A}/searchAttributes/indexedFields/CustomKeyword",
        "searchAttributes.CustomKeyword",
        1,
        "WorkflowExecutionStarted",
        False,
    ),
    (f"{A}/header/fields/x-trace", "header.x-trace", 1, "WorkflowExecutionStarted", True),
    ("/events/0/userMetadata/summary", "userMetadata.summary", 1, "WorkflowExecutionStarted", True),
    (
        "/events/2/workflowExecutionSignaledEventAttributes/input/payloads/0",
        "input[0]",
        3,
        "WorkflowExecutionSignaled",
        True,
    ),
    (
        "/events/3/activityTaskScheduledEventAttributes/input/payloads/0",
        "input[0]",
        4,
        "ActivityTaskScheduled",
        True,
    ),
    (
        "/events/4/activityTaskCompletedEventAttributes/result/payloads/0",
        "result[0]",
        5,
        "ActivityTaskCompleted",
        True,
    ),
    (
        "/events/5/activityTaskFailedEventAttributes/failure/cause/applicationFailureInfo"
        "/details/payloads/0",
        "failure.cause.details[0]",
        6,
        "ActivityTaskFailed",
        True,
    ),
    (
        "/events/5/activityTaskFailedEventAttributes/failure/cause/encodedAttributes",
        "failure.cause.encodedAttributes",
        6,
        "ActivityTaskFailed",
        True,
    ),
    (
        "/events/5/activityTaskFailedEventAttributes/failure/applicationFailureInfo"
        "/details/payloads/0",
        "failure.details[0]",
        6,
        "ActivityTaskFailed",
        True,
    ),
    (
        "/events/5/activityTaskFailedEventAttributes/failure/encodedAttributes",
        "failure.encodedAttributes",
        6,
        "ActivityTaskFailed",
        True,
    ),
    (
        "/events/6/workflowExecutionCompletedEventAttributes/result/payloads/0",
        "result[0]",
        7,
        "WorkflowExecutionCompleted",
        True,
    ),
]

# `temporal workflow show -o json` output of temporal CLI 1.9.1 (Server 1.32.0), trimmed.
CLI_HISTORY = r"""{
  "events": [
    {
      "eventId": "1",
      "eventTime": "2026-11-27T22:02:09.826516246Z",
      "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
      "taskId": "1048587",
      "userMetadata": {
        "summary": {
          "metadata": {"encoding": "anNvbi9wbGFpbg=="},
          "data": "ImhlbGxvIHN1bSI="
        }
      },
      "workflowExecutionStartedEventAttributes": {
        "workflowType": {"name": "Foo"},
        "taskQueue": {"name": "q", "kind": "TASK_QUEUE_KIND_NORMAL"},
        "input": {
          "payloads": [
            {"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "eyJhIjoxfQ=="},
            {"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "InR3byI="}
          ]
        },
        "workflowExecutionTimeout": "0s",
        "attempt": 1,
        "memo": {
          "fields": {
            "customer": {
              "metadata": {"encoding": "anNvbi9wbGFpbg=="},
              "data": "eyJuYW1lIjoiYm9iIn0="
            }
          }
        },
        "searchAttributes": {
          "indexedFields": {
            "CustomKeyword": {
              "metadata": {"encoding": "anNvbi9wbGFpbg==", "type": "S2V5d29yZA=="},
              "data": "Imt3Ig=="
            }
          }
        },
        "header": {},
        "workflowId": "wf1"
      }
    },
    {
      "eventId": "2",
      "eventType": "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
      "workflowTaskScheduledEventAttributes": {
        "taskQueue": {"name": "q", "kind": "TASK_QUEUE_KIND_NORMAL"},
        "startToCloseTimeout": "10s",
        "attempt": 1
      }
    },
    {
      "eventId": "3",
      "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED",
      "workflowExecutionSignaledEventAttributes": {
        "signalName": "sig",
        "input": {
          "payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "WzEsMl0="}]
        },
        "identity": "temporal-cli:user@host"
      }
    }
  ]
}"""


# ------------------------------------------------------------------ simple document shapes


def test_payloads_document_found_in_order() -> None:
    payloads = to_payloads({"a": 1}, "two", b"\x00\xff", None)
    root = {"payloads": [payload_to_json(p) for p in payloads]}
    doc = parse_document(json.dumps(root), "in.json")
    assert doc.kind is DocumentKind.PAYLOADS
    assert doc.source == "in.json"
    assert doc.root == root
    assert [f.payload for f in doc.payloads] == payloads
    assert [f.location for f in doc.payloads] == [
        Location(pointer=f"/payloads/{i}", label=f"payloads[{i}]", field=f"payloads[{i}]")
        for i in range(4)
    ]
    assert not any(f.shorthand for f in doc.payloads)
    assert all(f.location.transform for f in doc.payloads)


def test_single_payload_document() -> None:
    payload = to_payload({"x": [1, 2]})
    doc = parse_document(json.dumps(payload_to_json(payload)).encode())
    assert doc.kind is DocumentKind.PAYLOAD
    assert doc.payloads == [FoundPayload(Location(pointer="", label="payload"), payload)]
    assert doc.source == "<input>"


def test_single_payload_without_data_is_empty() -> None:
    doc = parse_document('{"metadata": {"encoding": "YmluYXJ5L251bGw="}}')
    assert doc.kind is DocumentKind.PAYLOAD
    assert doc.payloads[0].payload == Payload(metadata={"encoding": b"binary/null"})
    assert from_payload(doc.payloads[0].payload) is None


def test_list_document() -> None:
    payloads = to_payloads(1, "x")
    doc = parse_document(json.dumps([payload_to_json(p) for p in payloads]))
    assert doc.kind is DocumentKind.LIST
    assert [f.payload for f in doc.payloads] == payloads
    assert locations(doc) == [("/0", "[0]"), ("/1", "[1]")]


def test_empty_payloads_and_empty_list() -> None:
    assert parse_document('{"payloads": []}').payloads == []
    assert parse_document('{"payloads": null}').kind is DocumentKind.PAYLOADS
    empty = parse_document("[]")
    assert empty.kind is DocumentKind.LIST
    assert empty.payloads == []
    assert write_document(empty, {}) == "[]"


def test_external_payloads_kept() -> None:
    payload = to_payload("big")
    payload.external_payloads.add(size_bytes=123)
    as_json = payload_to_json(payload)
    assert as_json["externalPayloads"] == [{"sizeBytes": "123"}]
    doc = parse_document(json.dumps({"payloads": [as_json]}))
    assert doc.payloads[0].payload == payload
    replaced = json.loads(write_document(doc, [doc.payloads[0].payload]))
    assert replaced == {"payloads": [as_json]}


def test_snake_case_payload_fields_accepted() -> None:
    obj = {"metadata": {"encoding": "YQ=="}, "data": "", "external_payloads": [{"size_bytes": 7}]}
    payload = payload_from_json(obj)
    assert payload.metadata["encoding"] == b"a"
    assert payload.external_payloads[0].size_bytes == 7


@pytest.mark.parametrize(
    "encoded",
    ["+/8=", "+/8", "-_8=", "-_8"],
    ids=["standard", "standard-unpadded", "urlsafe", "urlsafe-unpadded"],
)
def test_base64_variants(encoded: str) -> None:
    payload = payload_from_json({"metadata": {"encoding": "YmluYXJ5L3BsYWlu"}, "data": encoded})
    assert payload.data == b"\xfb\xff"
    # json_format agrees on what these bytes are.
    reference = json_format.ParseDict({"metadata": {}, "data": encoded}, Payload())
    assert reference.data == payload.data


def test_payload_to_json_is_message_to_dict() -> None:
    payload = to_payload({"é": "ü"})
    payload.metadata["raw"] = b"\xff\x00"
    payload.external_payloads.add(size_bytes=99)
    assert payload_to_json(payload) == json_format.MessageToDict(payload)
    assert payload_from_json(payload_to_json(payload)) == payload


# --------------------------------------------------------------------------------- history


def test_history_every_payload_found_with_locations() -> None:
    root = history_dict()
    doc = parse_document(dumps(root), "history.json")
    assert doc.kind is DocumentKind.HISTORY
    got = [
        (
            f.location.pointer,
            f.location.field,
            f.location.event_id,
            f.location.event_type,
            f.location.transform,
        )
        for f in doc.payloads
    ]
    assert got == EXPECTED_HISTORY
    for found in doc.payloads:
        loc = found.location
        assert loc.label == f"event {loc.event_id} · {loc.event_type} · {loc.field}"
        # The pointer really addresses the payload it names.
        assert payload_from_json(resolve(root, loc.pointer)) == found.payload
        assert not found.shorthand


def test_history_payload_values() -> None:
    doc = parse_document(dumps(history_dict()))
    by_field = {(f.location.event_id, f.location.field): f.payload for f in doc.payloads}
    assert from_payload(by_field[(1, "input[0]")]) == {"order": 42}
    assert from_payload(by_field[(1, "memo.customer")]) == {"name": "Ada"}
    assert from_payload(by_field[(1, "header.x-trace")]) == "trace-1"
    assert from_payload(by_field[(1, "userMetadata.summary")]) == "order workflow"
    assert from_payload(by_field[(4, "input[0]")]) == b"\x00\x01binary"
    assert from_payload(by_field[(5, "result[0]")]) == {"ok": True}
    assert from_payload(by_field[(6, "failure.cause.details[0]")]) == {"why": "limit"}
    assert from_payload(by_field[(6, "failure.details[0]")]) == "retry later"
    assert from_payload(by_field[(6, "failure.encodedAttributes")])["message"] == "charge failed"
    assert from_payload(by_field[(7, "result[0]")]) is None
    sa = by_field[(1, "searchAttributes.CustomKeyword")]
    assert sa.metadata["type"] == b"Keyword"


def test_real_cli_output() -> None:
    doc = parse_document(CLI_HISTORY, "show.json")
    assert doc.kind is DocumentKind.HISTORY
    assert [f.location.label for f in doc.payloads] == [
        "event 1 · WorkflowExecutionStarted · userMetadata.summary",
        "event 1 · WorkflowExecutionStarted · input[0]",
        "event 1 · WorkflowExecutionStarted · input[1]",
        "event 1 · WorkflowExecutionStarted · memo.customer",
        "event 1 · WorkflowExecutionStarted · searchAttributes.CustomKeyword",
        "event 3 · WorkflowExecutionSignaled · input[0]",
    ]
    assert [from_payload(f.payload) for f in doc.payloads] == [
        "hello sum",
        {"a": 1},
        "two",
        {"name": "bob"},
        "kw",
        [1, 2],
    ]
    assert [f.location.transform for f in doc.payloads] == [True] * 4 + [False, True]
    assert json.loads(write_document(doc, {})) == json.loads(CLI_HISTORY)


def test_web_ui_style_history() -> None:
    """Short event types and integer ids, as the Web UI's download may write them."""
    root = history_dict()
    for event in root["events"]:
        event["eventId"] = int(event["eventId"])
        name = EventType.Name(EventType.Value(event["eventType"]))
        event["eventType"] = "".join(p.capitalize() for p in name[11:].split("_"))
    doc = parse_document(json.dumps(root))
    assert [
        (f.location.pointer, f.location.field, f.location.event_id, f.location.event_type)
        for f in doc.payloads
    ] == [row[:4] for row in EXPECTED_HISTORY]


def test_event_type_from_attributes_key_when_missing() -> None:
    root = history_dict()
    for event in root["events"]:
        del event["eventType"]
    doc = parse_document(json.dumps(root))
    assert [f.location.event_type for f in doc.payloads] == [row[3] for row in EXPECTED_HISTORY]


def test_integer_event_type_and_missing_event_id() -> None:
    root = {
        "events": [
            {
                "eventType": 10,  # EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                "activityTaskScheduledEventAttributes": {
                    "input": {"payloads": [payload_to_json(to_payload(1))]}
                },
            }
        ]
    }
    doc = parse_document(json.dumps(root))
    loc = doc.payloads[0].location
    assert loc.event_id is None
    assert loc.event_type == "ActivityTaskScheduled"
    assert loc.label == "events[0] · ActivityTaskScheduled · input[0]"


def test_history_wrapper_and_bare_event_list() -> None:
    events = history_dict()["events"]
    wrapped = parse_document(json.dumps({"history": {"events": events}, "nextPageToken": None}))
    assert wrapped.kind is DocumentKind.HISTORY
    assert [f.location.pointer for f in wrapped.payloads] == [
        "/history" + row[0] for row in EXPECTED_HISTORY
    ]
    bare = parse_document(json.dumps(events))
    assert bare.kind is DocumentKind.HISTORY
    assert [f.location.pointer for f in bare.payloads] == [
        row[0].removeprefix("/events") for row in EXPECTED_HISTORY
    ]
    assert json.loads(write_document(bare, {})) == events


def test_snake_case_history() -> None:
    """json_format with preserving_proto_field_name: the same payloads, snake-case pointers."""
    root = json_format.MessageToDict(make_history(), preserving_proto_field_name=True)
    doc = parse_document(json.dumps(root))
    assert [f.location.field for f in doc.payloads] == [
        "input[0]",
        "input[1]",
        "memo.customer",
        "search_attributes.CustomKeyword",
        "header.x-trace",
        "user_metadata.summary",
        "input[0]",
        "input[0]",
        "result[0]",
        "failure.cause.details[0]",
        "failure.cause.encoded_attributes",
        "failure.details[0]",
        "failure.encoded_attributes",
        "result[0]",
    ]
    assert [f.location.event_type for f in doc.payloads] == [row[3] for row in EXPECTED_HISTORY]
    assert [f.location.transform for f in doc.payloads] == [row[4] for row in EXPECTED_HISTORY]


def test_nexus_single_payload_fields() -> None:
    """Nexus input/result are single Payload fields, not Payloads: found by the descriptors."""
    event = HistoryEvent(event_id=9, event_type=EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED)
    event.nexus_operation_scheduled_event_attributes.input.CopyFrom(to_payload({"n": 1}))
    done = HistoryEvent(event_id=10, event_type=EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED)
    done.nexus_operation_completed_event_attributes.result.CopyFrom(to_payload("ok"))
    root = json_format.MessageToDict(History(events=[event, done]))
    doc = parse_document(json.dumps(root))
    assert [f.location.label for f in doc.payloads] == [
        "event 9 · NexusOperationScheduled · input",
        "event 10 · NexusOperationCompleted · result",
    ]
    assert [from_payload(f.payload) for f in doc.payloads] == [{"n": 1}, "ok"]


def test_unknown_fields_walked_by_property_names() -> None:
    """Fields newer than the SDK's protos still have their payloads found."""
    p = [payload_to_json(x) for x in to_payloads("a", "b", "c", "d")]
    root = {
        "events": [
            {
                "eventId": "1",
                "eventType": "EVENT_TYPE_SOMETHING_NEW",
                "somethingNewEventAttributes": {
                    "arguments": {"payloads": [p[0]]},
                    "failure": {"encodedAttributes": p[1]},
                    "memo": {"fields": {"k": p[2]}},
                    "searchAttributes": {"indexedFields": {"S": p[3]}},
                },
            }
        ]
    }
    doc = parse_document(json.dumps(root))
    base = "/events/0/somethingNewEventAttributes"
    assert [(f.location.pointer, f.location.label, f.location.transform) for f in doc.payloads] == [
        (f"{base}/arguments/payloads/0", "event 1 · SomethingNew · arguments[0]", True),
        (
            f"{base}/failure/encodedAttributes",
            "event 1 · SomethingNew · failure.encodedAttributes",
            True,
        ),
        (f"{base}/memo/fields/k", "event 1 · SomethingNew · memo.k", True),
        (
            f"{base}/searchAttributes/indexedFields/S",
            "event 1 · SomethingNew · searchAttributes.S",
            False,
        ),
    ]


def test_unknown_key_inside_known_message() -> None:
    root = history_dict()
    extra = payload_to_json(to_payload("extra"))
    root["events"][4]["activityTaskCompletedEventAttributes"]["futureField"] = {"payloads": [extra]}
    doc = parse_document(json.dumps(root))
    last = [f for f in doc.payloads if f.location.event_id == 5]
    assert [f.location.field for f in last] == ["result[0]", "futureField[0]"]


def test_unknown_payload_keys_inside_known_messages() -> None:
    """Known holder names (encodedAttributes, memo) where the protos do not have them."""
    root = history_dict()
    attrs = root["events"][4]["activityTaskCompletedEventAttributes"]
    attrs["encodedAttributes"] = payload_to_json(to_payload("ea"))
    attrs["memo"] = {"fields": {"m": payload_to_json(to_payload("m"))}}
    doc = parse_document(json.dumps(root))
    found = [f for f in doc.payloads if f.location.event_id == 5]
    assert [(f.location.pointer, f.location.field) for f in found] == [
        ("/events/4/activityTaskCompletedEventAttributes/result/payloads/0", "result[0]"),
        ("/events/4/activityTaskCompletedEventAttributes/encodedAttributes", "encodedAttributes"),
        ("/events/4/activityTaskCompletedEventAttributes/memo/fields/m", "memo.m"),
    ]
    assert [from_payload(f.payload) for f in found][1:] == ["ea", "m"]


def test_pointer_escaping_of_map_keys() -> None:
    memo = Memo(fields={"a/b~c": to_payload(1)})
    event = HistoryEvent(event_id=1, event_type=EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
    event.workflow_execution_started_event_attributes.memo.CopyFrom(memo)
    root = json_format.MessageToDict(History(events=[event]))
    doc = parse_document(json.dumps(root))
    (found,) = doc.payloads
    assert found.location.pointer == (
        "/events/0/workflowExecutionStartedEventAttributes/memo/fields/a~1b~0c"
    )
    assert found.location.field == "memo.a/b~c"
    new = to_payload(2)
    out = json.loads(write_document(doc, {0: new}))
    assert resolve(out, found.location.pointer) == payload_to_json(new)


# --------------------------------------------------------------------------- write-back


@pytest.mark.parametrize(
    "root",
    [
        {"payloads": [payload_to_json(p) for p in to_payloads({"a": 1}, "é", None)]},
        payload_to_json(to_payload([1, 2])),
        [payload_to_json(p) for p in to_payloads(1, 2)],
        history_dict(),
        json.loads(CLI_HISTORY),
    ],
    ids=["payloads", "payload", "list", "history", "cli-history"],
)
def test_round_trip_without_replacements(root: Any) -> None:
    text = dumps(root)
    doc = parse_document(text)
    assert write_document(doc, {}) == text
    assert write_document(doc, [None] * len(doc.payloads)) == text
    # Replacing every payload by itself gives the same JSON (all were in full form); only
    # the order of metadata keys may differ, as MessageToDict orders map keys its own way.
    assert json.loads(write_document(doc, [f.payload for f in doc.payloads])) == root


def test_replacement_written_in_place_input_untouched() -> None:
    root = history_dict()
    doc = parse_document(dumps(root))
    snapshot = copy.deepcopy(doc.root)
    index = next(i for i, f in enumerate(doc.payloads) if f.location.event_id == 5)
    new = to_payload({"decoded": True})
    out = json.loads(write_document(doc, {index: new}))
    assert doc.root == snapshot  # never mutated
    assert resolve(out, doc.payloads[index].location.pointer) == payload_to_json(new)
    # Everything else is as it was.
    resolve(out, "/events/4/activityTaskCompletedEventAttributes/result/payloads")[0] = resolve(
        root, "/events/4/activityTaskCompletedEventAttributes/result/payloads/0"
    )
    assert out == root


def test_replacements_as_sequence_with_gaps() -> None:
    doc = parse_document(
        json.dumps({"payloads": [payload_to_json(p) for p in to_payloads(1, 2, 3)]})
    )
    new = to_payloads("x", "z")
    out = json.loads(write_document(doc, [new[0], None, new[1]]))
    assert [from_payload(payload_from_json(p)) for p in out["payloads"]] == ["x", 2, "z"]
    short = json.loads(write_document(doc, [new[0]]))  # missing = left as it was
    assert [from_payload(payload_from_json(p)) for p in short["payloads"]] == ["x", 2, 3]


def test_replacement_index_out_of_range() -> None:
    doc = parse_document(json.dumps({"payloads": [payload_to_json(to_payload(1))]}))
    with pytest.raises(IndexError):
        write_document(doc, {3: to_payload(1)})


def test_single_payload_replacement_replaces_whole_document() -> None:
    doc = parse_document(json.dumps(payload_to_json(to_payload(1))))
    new = to_payload("new")
    assert json.loads(write_document(doc, [new])) == payload_to_json(new)


def test_reparse_of_written_history_finds_the_same_locations() -> None:
    doc = parse_document(dumps(history_dict()))
    new = [to_payload(f"#{i}") for i in range(len(doc.payloads))]
    again = parse_document(write_document(doc, new))
    assert [f.location for f in again.payloads] == [f.location for f in doc.payloads]
    assert [f.payload for f in again.payloads] == new


def test_output_format_keeps_key_order_and_unicode() -> None:
    root = {"zeta": 1, "payloads": [payload_to_json(to_payload("é"))], "alpha": "ü"}
    doc = parse_document(json.dumps(root))
    out = write_document(doc, [to_payload("ö")])
    assert list(json.loads(out)) == ["zeta", "payloads", "alpha"]
    assert '"alpha": "ü"' in out
    assert out.startswith('{\n  "zeta": 1,')


def test_rebuild_copies_only_paths() -> None:
    root = {"a": {"b": [{"x": 1}, {"y": 2}]}, "c": {"big": list(range(10))}}
    out = rebuild(root, [("/a/b/0", "new")])
    assert out == {"a": {"b": ["new", {"y": 2}]}, "c": {"big": list(range(10))}}
    assert root["a"]["b"][0] == {"x": 1}
    assert out["c"] is root["c"]  # untouched subtrees are shared, not copied
    assert out["a"]["b"][1] is root["a"]["b"][1]


# ------------------------------------------------------------------------------ shorthand


def test_shorthand_elements_in_payloads() -> None:
    root = {
        "payloads": [
            {"a": 1},
            "two",
            None,
            {"_protoMessageType": "temporal.api.common.v1.WorkflowType", "name": "Foo"},
            {"data": "not a payload: no metadata"},
            payload_to_json(to_payload(5)),
        ]
    }
    doc = parse_document(json.dumps(root))
    assert [f.shorthand for f in doc.payloads] == [True, True, True, True, True, False]
    values = [f.payload for f in doc.payloads]
    assert values[0] == Payload(metadata={"encoding": b"json/plain"}, data=b'{"a":1}')
    assert from_payload(values[0]) == {"a": 1}
    assert from_payload(values[1]) == "two"
    assert values[2] == Payload(metadata={"encoding": b"binary/null"})
    assert values[3].metadata["encoding"] == b"json/protobuf"
    assert values[3].metadata["messageType"] == b"temporal.api.common.v1.WorkflowType"
    assert CONVERTER.from_payloads([values[3]], [WorkflowType])[0] == WorkflowType(name="Foo")
    assert from_payload(values[4]) == {"data": "not a payload: no metadata"}
    assert from_payload(values[5]) == 5


def test_shorthand_written_back_in_full_form_only_when_replaced() -> None:
    root = {"payloads": [{"a": 1}, "two"]}
    doc = parse_document(json.dumps(root))
    new = to_payload({"a": 2})
    out = json.loads(write_document(doc, {0: new}))
    assert out == {"payloads": [payload_to_json(new), "two"]}
    assert json.loads(write_document(doc, {})) == root


def test_shorthand_in_history() -> None:
    """The API's shorthand form: a bare array for Payloads, bare values for memo fields."""
    root = {
        "events": [
            {
                "eventId": "1",
                "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
                "workflowExecutionStartedEventAttributes": {
                    "input": [{"a": 1}, "two"],
                    "memo": {"fields": {"customer": {"name": "bob"}}},
                    "header": {"fields": {}},
                },
            }
        ]
    }
    doc = parse_document(json.dumps(root))
    a = "/events/0/workflowExecutionStartedEventAttributes"
    assert locations(doc) == [
        (f"{a}/input/0", "event 1 · WorkflowExecutionStarted · input[0]"),
        (f"{a}/input/1", "event 1 · WorkflowExecutionStarted · input[1]"),
        (f"{a}/memo/fields/customer", "event 1 · WorkflowExecutionStarted · memo.customer"),
    ]
    assert [from_payload(f.payload) for f in doc.payloads] == [{"a": 1}, "two", {"name": "bob"}]
    assert all(f.shorthand for f in doc.payloads)
    new = to_payload("decoded")
    out = json.loads(write_document(doc, {1: new}))
    assert out["events"][0]["workflowExecutionStartedEventAttributes"]["input"] == [
        {"a": 1},
        payload_to_json(new),
    ]


def test_full_looking_element_is_read_strictly() -> None:
    """An object with metadata and only Payload keys is a payload: bad base64 is an error."""
    with pytest.raises(DocumentError) as info:
        parse_document('{"payloads": [{"metadata": {"encoding": "%%%"}, "data": ""}]}', "x")
    assert info.value.pointer == "/payloads/0/metadata/encoding"


# ------------------------------------------------------------------------------ readable


def test_readable_rendering() -> None:
    binary = to_payload(b"\x00\x01")
    ref = to_payload("ref")
    ref.external_payloads.add(size_bytes=10)
    odd = Payload(metadata={"encoding": b"json/plain", "k": b"\xff"}, data=b"not json")
    payloads = [to_payload({"a": [1, "é"]}), binary, to_payload(None), ref, odd]
    doc = parse_document(json.dumps({"payloads": [payload_to_json(p) for p in payloads]}))
    out = json.loads(render_readable(doc, {}))
    assert out == {
        "payloads": [
            {"metadata": {"encoding": "json/plain"}, "data": {"a": [1, "é"]}},
            {"metadata": {"encoding": "binary/plain"}, "data": "AAE="},
            {"metadata": {"encoding": "binary/null"}, "data": None},
            {
                "metadata": {"encoding": "json/plain"},
                "data": "ref",
                "externalPayloads": [{"sizeBytes": "10"}],
            },
            {"metadata": {"encoding": "json/plain", "k": "/w=="}, "data": "not json"},
        ]
    }


def test_readable_uses_replacements_and_keeps_history_shape() -> None:
    root = history_dict()
    doc = parse_document(json.dumps(root))
    index = next(i for i, f in enumerate(doc.payloads) if f.location.event_id == 5)
    text = render_readable(doc, {index: to_payload({"decoded": 1})})
    out = json.loads(text)
    assert text.startswith("{\n  ")
    assert resolve(out, doc.payloads[index].location.pointer) == {
        "metadata": {"encoding": "json/plain"},
        "data": {"decoded": 1},
    }
    assert resolve(out, doc.payloads[0].location.pointer)["data"] == {"order": 42}
    assert out["events"][1] == root["events"][1]
    assert doc.root == root


def test_payload_to_readable_protobuf_json() -> None:
    payload = to_payload(WorkflowType(name="W"))
    assert payload_to_readable(payload) == {
        "metadata": {
            "encoding": "json/protobuf",
            "messageType": "temporal.api.common.v1.WorkflowType",
        },
        "data": {"name": "W"},
    }


# --------------------------------------------------------------------------------- errors


def error_of(data: bytes | str, source: str = "doc.json") -> DocumentError:
    with pytest.raises(DocumentError) as info:
        parse_document(data, source)
    assert info.value.source == source
    return info.value


def test_not_json() -> None:
    err = error_of('{\n  "payloads": [\n    oops\n  ]\n}')
    assert str(err) == "doc.json: not JSON: Expecting value at line 3 column 5"
    assert (err.line, err.column) == (3, 5)


def test_empty_input() -> None:
    assert str(error_of(b"  \n")) == "doc.json: empty input, expected JSON"


def test_invalid_utf8() -> None:
    err = error_of(b'{"payloads":\n ["\xff"]}')
    assert str(err) == "doc.json: not UTF-8 text: invalid byte 0xff at line 2 column 4"
    assert (err.line, err.column) == (2, 4)


def test_bom_and_utf16_accepted() -> None:
    text = json.dumps({"payloads": [payload_to_json(to_payload("é"))]})
    assert len(parse_document(b"\xef\xbb\xbf" + text.encode()).payloads) == 1
    assert len(parse_document("\ufeff" + text).payloads) == 1
    assert len(parse_document(text.encode("utf-16")).payloads) == 1


def test_nan_rejected() -> None:
    assert "NaN" in str(error_of('{"payloads": [NaN]}'))


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    err = error_of("[" * 100_000 + "]" * 100_000)
    assert str(err) == "doc.json: JSON nested too deeply"


def test_moderately_deep_history_is_fine() -> None:
    """Nesting within what json accepts is walked without Python recursion."""
    deep: Any = {"payloads": [payload_to_json(to_payload("deep"))]}
    for _ in range(400):
        deep = {"cause": deep}
    root = {"events": [{"eventId": "1", "unknownEventAttributes": deep}]}
    doc = parse_document(json.dumps(root))
    assert len(doc.payloads) == 1
    assert doc.payloads[0].location.pointer.count("/cause") == 400


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ('"hello"', "a string"),
        ("42", "a number"),
        ("true", "a boolean"),
        ("null", "null"),
        ("{}", "an empty object"),
        ('{"foo": 1, "bar": 2}', "an object with keys 'foo', 'bar'"),
        ('{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}', "an object with keys 'a', 'b', 'c', 'd', 'e', …"),
    ],
)
def test_wrong_shape(text: str, what: str) -> None:
    assert str(error_of(text)) == (
        "doc.json: expected Payloads, a Payload, a list of payloads, a workflow history or a "
        f"schedule, activity or workflow description; got {what}"
    )


@pytest.mark.parametrize(
    ("root", "pointer", "reason"),
    [
        (
            {"payloads": [{"metadata": {"encoding": "anNvbg=="}, "data": "a$b"}]},
            "/payloads/0/data",
            "data must be a base64 string, got not valid base64",
        ),
        (
            {"payloads": [{"metadata": {"encoding": "a"}, "data": ""}]},
            "/payloads/0/metadata/encoding",
            "metadata value 'encoding' must be a base64 string, got not valid base64",
        ),
        (
            {"metadata": {"encoding": 5}},
            "/metadata/encoding",
            "metadata value 'encoding' must be a base64 string, got a number",
        ),
        (
            {"metadata": "eA==", "data": ""},
            "/metadata",
            "metadata must be an object of base64 strings, got a string",
        ),
        (
            {"metadata": {}, "data": 12},
            "/data",
            "data must be a base64 string, got a number",
        ),
        (
            {"metadata": {}, "data": "", "extra": 1},
            "/extra",
            "unknown field 'extra'; a Payload has metadata, data, externalPayloads",
        ),
        ({"payloads": 5}, "/payloads", "payloads must be a list, got a number"),
        ({"events": {}}, "/events", "events must be a list, got an empty object"),
        ({"events": ["x"]}, "/events/0", "expected an event object, got a string"),
        (
            {"events": [{"eventId": "1", "workflowExecutionStartedEventAttributes": {"input": 5}}]},
            "/events/0/workflowExecutionStartedEventAttributes/input",
            'expected Payloads ({"payloads": [...]} or a list), got a number',
        ),
        (
            {
                "events": [
                    {
                        "eventId": "1",
                        "workflowExecutionStartedEventAttributes": {"memo": {"fields": []}},
                    }
                ]
            },
            "/events/0/workflowExecutionStartedEventAttributes/memo/fields",
            "expected an object of named payloads, got an empty list",
        ),
    ],
)
def test_errors_name_the_pointer(root: Any, pointer: str, reason: str) -> None:
    err = error_of(json.dumps(root))
    assert err.pointer == pointer
    assert str(err) == f"doc.json at {pointer}: {reason}"


def test_bad_external_payloads_names_the_field() -> None:
    err = error_of(json.dumps({"metadata": {}, "externalPayloads": [{"sizeBytes": "lots"}]}))
    assert err.pointer == "/externalPayloads"
    assert str(err).startswith("doc.json at /externalPayloads: bad externalPayloads: ")


def test_payload_from_json_not_an_object() -> None:
    with pytest.raises(DocumentError) as info:
        payload_from_json([1], "/x/0", "s")
    assert str(info.value) == (
        "s at /x/0: expected a Payload object with metadata and data, got a list"
    )
    assert info.value.pointer == "/x/0"


def test_lone_surrogates_never_crash() -> None:
    """JSON may escape lone surrogates; they cannot be UTF-8, yet nothing may blow up."""
    doc = parse_document(r'{"payloads": ["\ud800", {"k\udc00": 1}], "note": "\ud800"}')
    assert [f.shorthand for f in doc.payloads] == [True, True]
    assert doc.payloads[0].payload.data == b'"\\ud800"'
    out = write_document(doc, [f.payload for f in doc.payloads])
    out.encode("utf-8")
    assert json.loads(out)["note"] == "\ud800"
    render_readable(doc, {}).encode("utf-8")
    err = error_of(r'{"metadata": {"\ud800": "YQ=="}}')
    assert err.pointer == "/metadata/\ud800"
    assert "not valid Unicode" in str(err)


VOCABULARY = [
    "events",
    "history",
    "payloads",
    "metadata",
    "data",
    "externalPayloads",
    "input",
    "result",
    "memo",
    "header",
    "fields",
    "searchAttributes",
    "indexedFields",
    "failure",
    "cause",
    "encodedAttributes",
    "applicationFailureInfo",
    "details",
    "eventId",
    "eventType",
    "userMetadata",
    "summary",
    "activityTaskCompletedEventAttributes",
    "workflowExecutionStartedEventAttributes",
    "_protoMessageType",
    "sizeBytes",
    "k\udc00",
]


def random_json(rng: random.Random, depth: int) -> Any:
    choice = rng.random()
    if depth <= 0 or choice < 0.3:
        return rng.choice(
            [
                None,
                True,
                0,
                -1,
                1.5,
                "",
                "YQ==",
                "%%",
                "EVENT_TYPE_X",
                "12",
                "ActivityTaskFailed",
                "\ud800",
            ]
        )
    if choice < 0.55:
        return [random_json(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(VOCABULARY): random_json(rng, depth - 1) for _ in range(rng.randint(0, 4))}


def test_fuzz_never_anything_but_document_error() -> None:
    rng = random.Random(1234)
    parsed = 0
    for _ in range(3000):
        root = random_json(rng, 6)
        if rng.random() < 0.3:
            root = {"events": [root, random_json(rng, 5)]}
        try:
            doc = parse_document(json.dumps(root))
        except DocumentError:
            continue
        parsed += 1
        replaced = [f.payload for f in doc.payloads]
        json.loads(write_document(doc, replaced))
        json.loads(render_readable(doc, replaced))
        assert doc.root == root
    assert parsed > 100


# ---------------------------------------------------------------------------- performance


def test_large_history_is_fast() -> None:
    """5,000 payloads of 4 KiB in a history: parse, replace all, write, in well under budget."""
    blob = "x" * 4096
    event = HistoryEvent(event_id=1, event_type=EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
    event.activity_task_completed_event_attributes.result.CopyFrom(
        Payloads(payloads=to_payloads(blob))
    )
    one = json_format.MessageToDict(event)
    events = []
    for i in range(5000):
        e = copy.deepcopy(one)
        e["eventId"] = str(i + 1)
        events.append(e)
    text = json.dumps({"events": events})
    started = time.perf_counter()
    doc = parse_document(text.encode())
    out = write_document(doc, [to_payload(i) for i in range(len(doc.payloads))])
    elapsed = time.perf_counter() - started
    assert len(doc.payloads) == 5000
    assert json.loads(out)["events"][4999]["activityTaskCompletedEventAttributes"]["result"][
        "payloads"
    ][0] == payload_to_json(to_payload(4999))
    assert elapsed < 20, elapsed


def test_base64_round_trip_of_random_bytes() -> None:
    rng = random.Random(7)
    for size in range(0, 40):
        data = bytes(rng.randrange(256) for _ in range(size))
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            text = enc(data).decode()
            for variant in (text, text.rstrip("=")):
                assert payload_from_json({"metadata": {}, "data": variant}).data == data


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (b"%PDF-1.7\n", "a PDF document"),
        (b"\x1f\x8b\x08\x00\x00\x00", "gzip-compressed data; decompress it first (gunzip)"),
        (b"PK\x03\x04\x14\x00", "a ZIP archive"),
        (b'{"payloads": \x00[]}', "binary data"),
        ('{"a": \x00}', "binary data"),
    ],
    ids=["png", "jpeg", "pdf", "gzip", "zip", "nul-bytes", "nul-in-text"],
)
def test_a_file_that_is_not_text_is_named_for_what_it_is(data: bytes | str, kind: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_document(data, source="shot.png")
    assert str(caught.value) == (
        f"shot.png: not a text document ({kind}): open a JSON document of payloads "
        "or a workflow history export"
    )
    assert caught.value.binary


def test_utf16_documents_are_still_text() -> None:
    doc = parse_document('{"payloads": []}'.encode("utf-16-le"), source="w.json")
    assert doc.payloads == []
