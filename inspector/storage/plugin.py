"""The user's own storage driver, named ``module:attr`` in the config."""

from __future__ import annotations

import importlib

from temporalio.converter import StorageDriver

from inspector.errors import InspectorError


class DriverConfigError(InspectorError, ValueError):
    """The factory could not be loaded or did not give a StorageDriver."""


def load_python_driver(factory: str) -> StorageDriver:
    """Import ``module:attr``: a StorageDriver, or a zero-argument callable giving one."""
    module_name, _, attr = factory.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as e:  # the user's module may fail in any way while importing
        raise DriverConfigError(
            f"storage factory {factory!r}: cannot import {module_name}: {e}"
        ) from None
    try:
        obj = getattr(module, attr)
    except AttributeError:
        raise DriverConfigError(
            f"storage factory {factory!r}: {module_name} has no {attr!r}"
        ) from None
    if not isinstance(obj, StorageDriver) and callable(obj):
        try:
            obj = obj()
        except Exception as e:
            raise DriverConfigError(f"storage factory {factory!r} raised: {e}") from None
    if not isinstance(obj, StorageDriver):
        raise DriverConfigError(
            f"storage factory {factory!r} gave {type(obj).__name__}, not a temporalio StorageDriver"
        )
    return obj
