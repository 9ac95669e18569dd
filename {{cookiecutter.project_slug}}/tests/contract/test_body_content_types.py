"""Every route that takes a JSON body accepts `application/json` with parameters.

`Content-Type: application/json; charset=utf-8` is what many clients send; it is the
same media type (RFC 8259 defines no parameters, and UTF-8 is JSON's encoding), so each
body route answers it exactly as it answers plain `application/json`. The routes come
from the app itself: a new POST, PUT or PATCH route with a body fails here until it has
an example request below.
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.infrastructure.config import Settings

from .helpers import (
    PASSWORD,
    Account,
    client_for,
    create_admin,
    login,
    new_email,
    running_app,
    signed_up,
)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_MEDIA_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    "Application/JSON; charset=utf-8",
    "application/json; charset=utf-8; version=1",
]


@dataclass(frozen=True, slots=True)
class Call:
    """One request a route answers with its success status."""

    path_params: dict[str, str]
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Callers:
    app: FastAPI
    client: httpx.AsyncClient
    admin: Account


Example = Callable[[Callers], Awaitable[Call]]


async def _register(callers: Callers) -> Call:
    return Call({}, {"email": new_email(), "password": PASSWORD}, {})


async def _login(callers: Callers) -> Call:
    user = await signed_up(callers.client)
    return Call({}, {"email": user.email, "password": PASSWORD}, {})


async def _refresh(callers: Callers) -> Call:
    user = await signed_up(callers.client)
    return Call({}, {"refresh_token": user.refresh_token}, {})


async def _logout(callers: Callers) -> Call:
    user = await signed_up(callers.client)
    return Call({}, {"refresh_token": user.refresh_token}, user.headers)


async def _change_password(callers: Callers) -> Call:
    user = await signed_up(callers.client)
    body = {"current_password": PASSWORD, "new_password": "another fine passphrase"}
    return Call({}, body, user.headers)


async def _create_user(callers: Callers) -> Call:
    body = {"email": new_email(), "password": PASSWORD, "role": "user"}
    return Call({}, body, callers.admin.headers)


async def _update_user(callers: Callers) -> Call:
    user = await signed_up(callers.client)
    return Call({"user_id": user.id}, {"role": "admin"}, callers.admin.headers)


# By operation id (fixed per route, see test_openapi.py).
EXAMPLES: dict[str, Example] = {
    "register_user": _register,
    "login": _login,
    "refresh_tokens": _refresh,
    "logout": _logout,
    "change_password": _change_password,
    "create_user": _create_user,
    "update_user": _update_user,
}


def body_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """(method, route) for each route method that reads a request body."""
    return [
        (method, route)
        for route in app.routes
        if isinstance(route, APIRoute) and route.body_field is not None
        for method in sorted((route.methods or set()) & BODY_METHODS)
    ]


def success_status(route: APIRoute) -> int:
    return route.status_code or 200


async def send(callers: Callers, method: str, route: APIRoute, media_type: str) -> httpx.Response:
    assert route.operation_id is not None
    call = await EXAMPLES[route.operation_id](callers)
    return await callers.client.request(
        method,
        route.path_format.format(**call.path_params),
        content=json.dumps(call.body).encode(),
        headers={**call.headers, "Content-Type": media_type},
    )


@pytest.fixture
def unthrottled(settings: Settings) -> Settings:
    # Each example signs a new user in: more logins than the per-address limit allows.
    return settings.model_copy(update={"login_rate_limit_per_minute": 0})


async def test_every_body_route_has_an_example_request(unthrottled: Settings) -> None:
    async with running_app(unthrottled) as app:
        found = {route.operation_id for _, route in body_routes(app)}

    assert found == set(EXAMPLES), "give each POST, PUT and PATCH route an example here"


@pytest.mark.parametrize("media_type", JSON_MEDIA_TYPES)
async def test_every_body_route_answers_a_json_media_type_with_its_success_status(
    unthrottled: Settings, media_type: str
) -> None:
    async with running_app(unthrottled) as app, client_for(app) as client:
        admin = await create_admin(app, new_email("admin"))
        pair = await login(client, admin.email)
        callers = Callers(
            app,
            client,
            Account(str(admin.id), admin.email, PASSWORD, pair["access_token"], ""),
        )
        routes = body_routes(app)
        answered = {
            (method, route.path): (await send(callers, method, route, media_type)).status_code
            for method, route in routes
        }

    expected = {(method, route.path): success_status(route) for method, route in routes}
    assert answered == expected
    assert len(answered) == len(EXAMPLES)
