"""PlainRoute serves only what it can serve whole: an endpoint of the request alone."""

from collections.abc import Awaitable, Callable

import pytest
from fastapi import APIRouter, Request, Response

from app.interfaces.api.plain_route import PlainRoute


async def _of_the_request(request: Request) -> Response:
    return Response(b"{}", media_type="application/json")


async def _with_a_parameter(request: Request, name: str) -> Response:
    return Response(name)


async def _without_the_request() -> Response:
    return Response(b"{}")


def test_an_endpoint_of_the_request_alone_is_served_plain() -> None:
    router = APIRouter()
    router.add_api_route("/plain", _of_the_request, route_class_override=PlainRoute)

    (route,) = router.routes
    assert isinstance(route, PlainRoute)


@pytest.mark.parametrize("endpoint", [_with_a_parameter, _without_the_request])
def test_an_endpoint_that_needs_fastapi_to_resolve_anything_is_refused(
    endpoint: Callable[..., Awaitable[Response]],
) -> None:
    """FastAPI would have parsed or injected it; served plain, it would never arrive."""
    router = APIRouter()

    with pytest.raises(TypeError, match="exactly one parameter, request"):
        router.add_api_route("/plain", endpoint, route_class_override=PlainRoute)
