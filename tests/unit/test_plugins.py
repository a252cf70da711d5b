"""One loader for the user's codecs and drivers: the same forms for both, errors naming the
factory and the cause."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from temporalio.converter import StorageDriver

from inspector.codecs import CodecConfigError, PluginCodec, load_python_codec
from inspector.config import ConfigError, parse_config
from inspector.plugins import load_factory
from inspector.runtime import build_pipeline
from inspector.storage.filesystem import FilesystemDriver
from inspector.storage.plugin import DriverConfigError, load_python_driver

PLUGIN_SOURCE = """
from inspector.codecs import GzipCodec
from inspector.storage.filesystem import FilesystemDriver

CODEC = GzipCodec()
DRIVER = FilesystemDriver("/nonexistent/plugin-store", name="plugged")
NOT_A_PLUGIN = "hello"


class Holder:
    codec = CODEC
    driver = DRIVER


def make_codec():
    return CODEC


def make_driver():
    return DRIVER


def make_wrong():
    return 42


def make_raises():
    raise RuntimeError("boom")
"""


@pytest.fixture
def plugin_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"plugin_forms_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text(PLUGIN_SOURCE)
    (tmp_path / f"{name}_broken.py").write_text("import no_such_module_for_inspector_tests\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


@pytest.mark.parametrize("attr", ["DRIVER", "make_driver", "Holder.driver"])
def test_driver_forms_are_the_codec_forms(attr: str, plugin_module: str) -> None:
    driver = load_python_driver(f"{plugin_module}:{attr}")
    assert isinstance(driver, FilesystemDriver) and driver.name() == "plugged"
    codec_attr = attr.replace("DRIVER", "CODEC").replace("driver", "codec")
    assert isinstance(load_python_codec(f"{plugin_module}:{codec_attr}"), PluginCodec)


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        ("no_colon_here", "must look like 'module:attr'"),
        ("module:", "must look like 'module:attr'"),
        ("{mod}_missing_module:make_driver", "cannot import module"),
        ("{mod}_broken:make_driver", "cannot import module .*no_such_module_for_inspector_tests"),
        ("{mod}:nope", "has no attribute 'nope'"),
        ("{mod}:Holder.nope", "has no attribute 'Holder.nope'"),
        ("{mod}:NOT_A_PLUGIN", "is a str, not a temporalio StorageDriver or a callable"),
        ("{mod}:make_wrong", "returned a int, not a temporalio StorageDriver"),
        ("{mod}:make_raises", "calling it failed .*RuntimeError: boom"),
        ("{mod}:CODEC", "is a GzipCodec, not a temporalio StorageDriver"),
    ],
)
def test_driver_errors_name_the_factory_and_the_cause(
    factory: str, match: str, plugin_module: str
) -> None:
    factory = factory.format(mod=plugin_module)
    with pytest.raises(DriverConfigError, match=match) as info:
        load_python_driver(factory)
    assert str(info.value).startswith(f"storage factory '{factory}'")


def test_a_codec_where_a_driver_is_wanted_and_the_callers_words(plugin_module: str) -> None:
    with pytest.raises(CodecConfigError, match="is a FilesystemDriver, not a PayloadCodec"):
        load_python_codec(f"{plugin_module}:DRIVER")
    with pytest.raises(LookupError, match=r"^widget factory 'm' must look like 'module:attr'$"):
        load_factory(
            "m", expected=int, what="widget factory", expected_name="int", error=LookupError
        )
    made = load_factory(
        f"{plugin_module}:make_wrong",
        expected=int,
        what="w",
        expected_name="int",
        error=LookupError,
    )
    assert made == 42


def test_a_pinned_name_must_be_the_drivers(plugin_module: str) -> None:
    assert load_python_driver(f"{plugin_module}:DRIVER", name="plugged").name() == "plugged"
    with pytest.raises(DriverConfigError, match="named 'plugged', but the config names it 'x'"):
        load_python_driver(f"{plugin_module}:DRIVER", name="x")
    config = parse_config(
        f'[profiles.p.storage]\ndriver = "python"\nfactory = "{plugin_module}:Holder.driver"\n'
    )
    pipeline = build_pipeline(config.profiles["p"])
    assert list(pipeline.drivers) == ["plugged"]
    assert isinstance(pipeline.drivers["plugged"], StorageDriver)
    pinned = parse_config(
        f'[profiles.p.storage]\ndriver = "python"\nname = "other"\n'
        f'factory = "{plugin_module}:make_driver"\n'
    )
    with pytest.raises(ConfigError, match=r"^profile 'p': storage factory .* names it 'other'"):
        build_pipeline(pinned.profiles["p"])
