"""A protobuf schema written for the tests, its descriptor set, and its messages as classes.

The schema lives in a temporary folder as a user's would (``orders/v1/orders.proto``,
importing a well-known type); the descriptor set is what ``protoc --descriptor_set_out``
writes (the bundled protoc of ``grpcio-tools``, run as a user runs it). Message classes are
built from that set in a pool of their own, so the process's default pool — which the
inspector's out-of-the-box types read — never learns them.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor_pb2 import FileDescriptorSet
from google.protobuf.message import Message

ORDERS_PROTO = """\
syntax = "proto3";

package example.orders.v1;

import "google/protobuf/timestamp.proto";

enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_PLACED = 1;
  STATUS_SHIPPED = 2;
}

message LineItem {
  string sku = 1;
  int32 quantity = 2;
  int64 price_micros = 3;
}

message Order {
  string order_id = 1;
  Status status = 2;
  repeated LineItem line_items = 3;
  int64 total_micros = 4;
  google.protobuf.Timestamp placed_at = 5;
  map<string, string> labels = 6;
  bytes signature = 7;
  double discount = 8;
  fixed32 region = 9;
}
"""
ORDER_TYPE = "example.orders.v1.Order"
PROTO_NAME = "orders/v1/orders.proto"


@dataclass(frozen=True)
class Schema:
    """Where the test's schema is, in each form a profile may name it."""

    folder: Path  # the include root, holding orders/v1/orders.proto
    proto: Path
    descriptor_set: Path
    pool: descriptor_pool.DescriptorPool

    def message(self, full_name: str = ORDER_TYPE) -> type[Message]:
        cls: type[Message] = message_factory.GetMessageClass(
            self.pool.FindMessageTypeByName(full_name)
        )
        return cls


def protoc(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """The protoc bundled with grpcio-tools, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def write_schema(directory: Path) -> Schema:
    """The orders schema as a folder, its .proto and a descriptor set with imports."""
    folder = directory / "protos"
    proto = folder / PROTO_NAME
    proto.parent.mkdir(parents=True)
    proto.write_text(ORDERS_PROTO, encoding="utf-8")
    descriptor_set = directory / "orders.binpb"
    done = protoc(
        f"--proto_path={folder}",
        "--include_imports",
        f"--descriptor_set_out={descriptor_set}",
        str(proto),
    )
    assert done.returncode == 0, done.stderr.decode()
    found = FileDescriptorSet.FromString(descriptor_set.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file in found.file:  # protoc writes imports first
        pool.Add(file)
    return Schema(folder=folder, proto=proto, descriptor_set=descriptor_set, pool=pool)


def sample_order(schema: Schema, items: int = 3) -> Message:
    """An order using every kind of field the schema has (64-bit, enum, map, bytes, WKT)."""
    order = schema.message()()
    order.order_id = "ord-2024-0001"
    order.status = 2
    for i in range(items):
        item = order.line_items.add()
        item.sku = f"SKU-{i:05d}"
        item.quantity = i + 1
        item.price_micros = 9_007_199_254_740_993 + i  # beyond a double: shown as a string
    order.total_micros = -42
    order.placed_at.seconds = 1_700_000_000
    order.labels["channel"] = "web"
    order.signature = b"\x00\xffsig"
    order.discount = 0.25
    order.region = 7
    return order
