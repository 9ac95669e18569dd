"""A span per SQL statement, named by its rowquery name ("users.get_by_id").

Wraps the engine, and each transaction it opens, only when tracing is on. Parameters
are never recorded: they hold emails, password hashes and token hashes.
"""

from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Self

from opentelemetry.trace import Span, SpanKind, Tracer

_ATTRIBUTES = {"db.system": "{{ cookiecutter.db_driver }}"}


class _TracedStatements:
    def __init__(self, target: Any, tracer: Tracer) -> None:
        self._target = target
        self._tracer = tracer

    async def fetch_one(self, query: str, params: Any = None) -> Any:
        with self._span(query):
            return await self._target.fetch_one(query, params)

    async def fetch_all(self, query: str, params: Any = None) -> Any:
        with self._span(query):
            return await self._target.fetch_all(query, params)

    async def fetch_scalar(self, query: str, params: Any = None) -> Any:
        with self._span(query):
            return await self._target.fetch_scalar(query, params)

    async def execute(self, query: str, params: Any = None) -> Any:
        with self._span(query):
            return await self._target.execute(query, params)

    def _span(self, query: str) -> AbstractContextManager[Span]:
        return self._tracer.start_as_current_span(
            query, kind=SpanKind.CLIENT, attributes=_ATTRIBUTES
        )


class TracedTransaction(_TracedStatements):
    async def __aenter__(self) -> Self:
        await self._target.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._target.__aexit__(exc_type, exc, traceback)


class TracedEngine(_TracedStatements):
    def transaction(self) -> TracedTransaction:
        return TracedTransaction(self._target.transaction(), self._tracer)
