"""The public surface: one sorted ``iamapi.__all__``, every name real and documented, and
every private module declaring what it exports."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import iamapi
import iamapi.emulator


def test_all_names_exist_and_are_documented() -> None:
    for name in iamapi.__all__:
        obj = getattr(iamapi, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"iamapi.{name} has no docstring"


def test_all_is_sorted_constants_classes_then_functions() -> None:
    def order(name: str) -> tuple[int, str]:
        kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
        return kind, name

    assert list(iamapi.__all__) == sorted(iamapi.__all__, key=order)
    assert list(iamapi.emulator.__all__) == sorted(iamapi.emulator.__all__, key=order)


def _modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.walk_packages(iamapi.__path__, prefix="iamapi.")
        if info.name.rsplit(".", 1)[-1] != "__main__"
    )


@pytest.mark.parametrize("module_name", _modules())
def test_every_module_declares_its_exports_and_has_a_docstring(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__doc__, f"{module_name} has no docstring"
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{module_name} has no __all__"
    for name in exported:
        assert hasattr(module, name), f"{module_name}.__all__ names {name!r}, which is missing"


def test_version_is_available() -> None:
    assert iamapi.__version__
