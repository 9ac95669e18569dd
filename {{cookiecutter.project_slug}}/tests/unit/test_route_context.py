"""RouteContext.principal: a route that asks for a caller its flow never authenticated."""

import uuid
from typing import cast

import pytest
from fastapi import Request

from app.application.bus.command_bus import CommandBus
from app.application.bus.query_bus import QueryBus
from app.application.dto.principal import Principal
from app.interfaces.pipeline.route_context import RouteContext

REQUEST = Request({"type": "http", "method": "GET", "path": "/", "headers": []})


def test_the_principal_is_the_verified_caller() -> None:
    caller = Principal(uuid.uuid4())
    context = RouteContext(REQUEST, caller, cast(CommandBus, None), cast(QueryBus, None))

    assert context.principal is caller


def test_a_flow_without_authentication_has_no_principal_to_give() -> None:
    context = RouteContext(REQUEST, None, cast(CommandBus, None), cast(QueryBus, None))

    with pytest.raises(AssertionError, match=r"^the route's flow has no authentication stage$"):
        _ = context.principal
