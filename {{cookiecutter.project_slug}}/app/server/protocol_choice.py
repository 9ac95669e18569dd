import asyncio
import importlib.util
from typing import Literal

HttpImplementation = Literal["auto", "h11", "httptools"]
HTTP_IMPLEMENTATIONS: tuple[HttpImplementation, ...] = ("auto", "h11", "httptools")


def http_protocol(implementation: HttpImplementation) -> type[asyncio.Protocol]:
    """The guarded protocol class; "auto" picks httptools when installed, as uvicorn does."""
    if implementation == "auto":
        has_httptools = importlib.util.find_spec("httptools") is not None
        implementation = "httptools" if has_httptools else "h11"
    if implementation == "httptools":
        from app.server.httptools_protocol import GuardedHttpToolsProtocol

        return GuardedHttpToolsProtocol
    from app.server.h11_protocol import GuardedH11Protocol

    return GuardedH11Protocol
