"""Commands, queries, DTOs and the principal cannot be changed once made.

A message is handed from the route through the bus and its observers to a handler; a
DTO from the handler back out. None of them may be altered on the way, so every
dataclass of app/application/commands, queries and dto is frozen: assigning or
deleting any of its fields raises. The classes are found by walking
the packages, so a new message is held to this without an edit here.
"""

import dataclasses
import importlib
import pkgutil
import uuid
from types import ModuleType

import pytest

import app.application.commands
import app.application.dto
import app.application.queries
from app.application.dto.principal import Principal

PACKAGES = (app.application.commands, app.application.queries, app.application.dto)


def _modules(package: ModuleType) -> list[ModuleType]:
    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]


def _dataclasses(module: ModuleType) -> list[type]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and value.__module__ == module.__name__
        and dataclasses.is_dataclass(value)
    ]


MESSAGE_CLASSES = sorted(
    (cls for package in PACKAGES for module in _modules(package) for cls in _dataclasses(module)),
    key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
)


def test_every_module_of_the_packages_defines_a_message() -> None:
    """Guards the walk below: an empty list would make its test pass vacuously."""
    for package in PACKAGES:
        for module in _modules(package):
            assert _dataclasses(module), f"{module.__name__} defines no dataclass"
    assert Principal in MESSAGE_CLASSES


@pytest.mark.parametrize("cls", MESSAGE_CLASSES, ids=lambda cls: cls.__qualname__)
def test_no_attribute_of_a_message_can_be_assigned(cls: type) -> None:
    # A blank instance: the frozen check does not depend on the field values.
    message: object = object.__new__(cls)
    for name in [field.name for field in dataclasses.fields(cls)]:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(message, name, None)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(message, name)


def test_the_principal_of_a_request_stays_who_it_was() -> None:
    principal = Principal(user_id=uuid.uuid4())
    original = principal.user_id

    with pytest.raises(dataclasses.FrozenInstanceError):
        principal.user_id = uuid.uuid4()  # type: ignore[misc]

    assert principal.user_id == original
    assert hash(principal) == hash(Principal(user_id=original)), "usable as a key"
