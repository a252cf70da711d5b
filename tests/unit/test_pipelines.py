"""One owner of which profile and which pipeline serve a namespace (server and app alike)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from inspector.config import ConfigError, Profile, parse_config
from inspector.pipelines import PipelinePool, choose
from inspector.storage.cache import BlobCache

CONFIG = parse_config("""
[server]
max_decoded_bytes = 1000
[profiles.plain]
namespaces = ["plain", "*"]
codecs = ["gzip"]
[profiles.forwarding]
namespaces = ["fwd"]
codecs = [{ type = "remote", url = "http://127.0.0.1:1/codec" }]
""")


@dataclass
class FakePipeline:
    name: str
    namespace: str | None
    budget: int | None
    closed: list[FakePipeline] = field(repr=False)

    async def aclose(self) -> None:
        self.closed.append(self)


@dataclass
class Builds:
    made: list[FakePipeline] = field(default_factory=list)
    closed: list[FakePipeline] = field(default_factory=list)

    def __call__(self, profile: Profile, **options: Any) -> Any:
        pipeline = FakePipeline(
            profile.name, options["namespace"], options["max_decoded_bytes"], self.closed
        )
        self.made.append(pipeline)
        return pipeline


def _pool(builds: Builds, **options: Any) -> PipelinePool:
    return PipelinePool(CONFIG, BlobCache(1 << 20), build=builds, **options)


def test_choose_reads_a_profile_name_then_a_namespace() -> None:
    plain, forwarding = CONFIG.profiles["plain"], CONFIG.profiles["forwarding"]
    assert choose(CONFIG, "forwarding") == (forwarding, None)
    assert choose(CONFIG, "fwd") == (forwarding, "fwd")
    assert choose(CONFIG, "anything") == (plain, "anything")
    assert choose(CONFIG, None) == (plain, None)
    assert choose(CONFIG, "x", exact=("forwarding", None)) == (forwarding, None)
    assert choose(CONFIG, "x", exact=(None, "fwd")) == (forwarding, "fwd")
    with pytest.raises(ConfigError, match="no profile 'nope' \\(known: plain, forwarding\\)"):
        choose(CONFIG, "nope", exact=("nope", None))


async def test_one_pipeline_per_profile_unless_its_codecs_see_the_namespace() -> None:
    builds = Builds()
    pool = _pool(builds)
    plain, forwarding = CONFIG.profiles["plain"], CONFIG.profiles["forwarding"]
    assert pool.pipeline(plain, "a") is pool.pipeline(plain, "b")
    assert pool.pipeline(plain, "a").namespace is None
    with pool.lease(forwarding, "a") as a, pool.lease(forwarding, "b") as b:
        assert (a.namespace, b.namespace) == ("a", "b")
        assert pool.pipeline(forwarding, "a") is a
    assert [p.budget for p in builds.made] == [1000, 1000, 1000]
    assert pool.profile_for("fwd") is forwarding and pool.profile_for("zzz") is plain
    await pool.aclose()
    assert sorted(p.namespace or "" for p in builds.closed) == ["", "a", "b"]


async def test_an_evicted_pipeline_closes_when_its_last_lease_ends() -> None:
    builds = Builds()
    pool = _pool(builds, namespace_pipelines=2)
    forwarding = CONFIG.profiles["forwarding"]
    with pool.lease(forwarding, "first") as first:
        pool.pipeline(forwarding, "second")
        pool.pipeline(forwarding, "third")  # evicts "first", which is still leased
        await asyncio.sleep(0)
        assert builds.closed == [] and pool.namespace_pipelines == 2
    await asyncio.sleep(0)
    assert builds.closed == [first]
    pool.pipeline(forwarding, "fourth")  # evicts "second", leased by no one
    await asyncio.sleep(0)
    assert [p.namespace for p in builds.closed] == ["first", "second"]


async def test_clear_and_reset_close_take_all_leaves_open() -> None:
    builds = Builds()
    pool = _pool(builds, decode_budget=False)
    plain = CONFIG.profiles["plain"]
    kept = pool.pipeline(plain, None)
    assert kept.budget is None
    pool.clear()
    await asyncio.gather(*pool.closing)
    assert builds.closed == [kept]
    again = pool.pipeline(plain, None)
    assert again is not kept
    other = parse_config('[profiles.other]\nnamespaces = ["*"]\n')
    cache = BlobCache(1)
    pool.reset(other, cache)
    await asyncio.gather(*pool.closing)
    assert builds.closed == [kept, again] and pool.cache is cache
    assert pool.profile_for("x") is other.profiles["other"]
    taken = pool.pipeline(other.profiles["other"], None)
    assert pool.take_all() == [taken]
    await pool.aclose()
    assert taken not in builds.closed
