"""The user's own code a config names: ``factory = "module:attr"`` for a codec or a driver.

One loader for both, with the same forms: ``module:attr`` or ``module:Class.attr`` naming an
instance of the expected type, or a zero-argument callable returning one. Every way this can
go wrong raises the caller's error type with a message naming the factory and the cause, so
a bad profile fails when it is built, not on each payload.
"""

from __future__ import annotations

import importlib
from typing import Any, TypeVar

T = TypeVar("T")


def load_factory(
    factory: str,
    *,
    expected: type[T],
    what: str,
    expected_name: str,
    error: type[Exception],
) -> T:
    """The ``expected`` object ``factory`` names; ``what`` and ``expected_name`` word errors
    (``python codec factory 'm:a' is a str, not a PayloadCodec or a callable returning one``).
    """
    named = f"{what} '{factory}'"
    obj = _resolve(factory, named, error)
    if isinstance(obj, expected):
        return obj
    if not callable(obj):
        raise error(
            f"{named} is a {type(obj).__name__}, not a {expected_name} or a callable returning one"
        )
    try:
        made = obj()
    except Exception as exc:  # the user's code may fail in any way
        raise error(f"{named}: calling it failed ({type(exc).__name__}: {exc})") from exc
    if not isinstance(made, expected):
        raise error(f"{named} returned a {type(made).__name__}, not a {expected_name}")
    return made


def _resolve(factory: str, named: str, error: type[Exception]) -> Any:
    """Import the module and follow the dotted attribute path."""
    module_name, sep, attr_path = factory.partition(":")
    module_name, attr_path = module_name.strip(), attr_path.strip()
    if not sep or not module_name or not attr_path:
        raise error(f"{named} must look like 'module:attr'")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:  # the user's module may fail in any way while importing
        raise error(
            f"{named}: cannot import module '{module_name}' ({type(exc).__name__}: {exc})"
        ) from exc
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise error(f"{named}: '{module_name}' has no attribute '{attr_path}'") from exc
    return obj
