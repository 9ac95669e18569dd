"""Base class for entities: equality and hashing follow identity, not attributes."""
{% if cookiecutter.python_version == "3.11" %}
from typing import Generic, TypeVar

IdT = TypeVar("IdT")


class Entity(Generic[IdT]):
{%- else %}

class Entity[IdT]:
{%- endif %}
    def __init__(self, *, id_: IdT) -> None:
        self.id_ = id_

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entity) and type(other) is type(self) and other.id_ == self.id_

    def __hash__(self) -> int:
        return hash((type(self), self.id_))
