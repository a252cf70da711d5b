"""The user's own storage driver, named ``module:attr`` in the config."""

from __future__ import annotations

from temporalio.converter import StorageDriver

from inspector.errors import InspectorError
from inspector.plugins import load_factory


class DriverConfigError(InspectorError, ValueError):
    """The factory could not be loaded or did not give a StorageDriver."""


def load_python_driver(factory: str, *, name: str = "") -> StorageDriver:
    """The driver ``module:attr`` names (see :func:`inspector.plugins.load_factory`); with
    ``name``, the driver must call itself that. Every failure is a ``DriverConfigError``."""
    driver = load_factory(
        factory,
        expected=StorageDriver,  # type: ignore[type-abstract]  # only isinstance() uses it
        what="storage factory",
        expected_name="temporalio StorageDriver",
        error=DriverConfigError,
    )
    if name and driver.name() != name:
        raise DriverConfigError(
            f"storage factory '{factory}' gives a driver named "
            f"'{driver.name()}', but the config names it '{name}'"
        )
    return driver
