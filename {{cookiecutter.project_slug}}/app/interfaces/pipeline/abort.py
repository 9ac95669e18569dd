"""A pipeline abort that carries the error envelope's code."""

from collections.abc import Mapping

from fastapi_request_pipeline import FlowAbort


class StageAbort(FlowAbort):  # type: ignore[misc]
    def __init__(
        self,
        message: str,
        *,
        code: str,
        status_code: int,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, headers=dict(headers or {}))
        self.code = code
