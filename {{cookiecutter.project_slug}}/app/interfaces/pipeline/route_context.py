"""A route's one dependency: its flow's stages, then the buses it dispatches to.

FastAPI resolves each dependency of a route separately, per request; a route that
took its flow's context and a bus as two parameters paid for two. One dependency
runs the flow (fastapi-request-pipeline's own runner) and hands over the rest.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi_request_pipeline import Flow, flow_dependency

from app.application.bus.command_bus import CommandBus
from app.application.bus.query_bus import QueryBus
from app.application.dto.principal import Principal
from app.interfaces.dependencies.container import get_container


@dataclass(frozen=True, slots=True)
class RouteContext:
    request: Request
    # The caller, once an authentication stage has verified their access token.
    user: Principal | None
    commands: CommandBus
    queries: QueryBus

    @property
    def principal(self) -> Principal:
        """The verified caller; only routes on an authenticated flow ask for it."""
        assert self.user is not None, "the route's flow has no authentication stage"
        return self.user


def route_dependency(flow: Flow) -> Callable[[Request], Awaitable[RouteContext]]:
    run_flow = flow_dependency(flow)

    async def dependency(request: Request) -> RouteContext:
        ctx = await run_flow(request)
        container = get_container(request)
        return RouteContext(request, ctx.user, container.command_bus, container.query_bus)

    # enrich_openapi() documents a flow by what it finds on the route's own dependency.
    for name in ("_flow_openapi_metadata", "_flow_resolved"):
        setattr(dependency, name, getattr(run_flow, name))
    return dependency
