"""A route dependency for responses that must never be cached: those carrying tokens."""

from fastapi import Response

from app.interfaces.api.schemas.headers import NO_STORE


# async: FastAPI runs a sync dependency in a worker thread, a hop per request.
async def no_store(response: Response) -> None:
    """Sets Cache-Control: no-store (and Pragma for HTTP/1.0 caches) on the route's response."""
    response.headers.update(NO_STORE)
