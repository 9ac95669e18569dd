"""Named flows: which stages a route runs before its handler.

Each dependency is created once here: FastAPI caches a dependency per request
by identity, and fastapi-request-pipeline snapshots a flow when it is wrapped.
A route takes exactly one of these; it carries the caller and the buses too.
"""

from typing import Annotated

from fastapi import Depends
from fastapi_request_pipeline import Flow

from app.interfaces.pipeline.route_context import RouteContext, route_dependency
from app.interfaces.pipeline.stages.authentication_stage import AuthenticationStage
from app.interfaces.pipeline.stages.rate_limit_scope import RateLimitScope
from app.interfaces.pipeline.stages.rate_limit_stage import RateLimitStage
from app.interfaces.pipeline.stages.validation_stage import ValidationStage

public_flow = Flow(ValidationStage())
# Routes that cost a bcrypt hash are throttled: each is CPU an attacker could burn.
login_flow = Flow(public_flow, RateLimitStage(RateLimitScope.LOGIN))
register_flow = Flow(public_flow, RateLimitStage(RateLimitScope.REGISTER))
# Authorisation is not a stage: handlers read the requester's current role from
# the database (app/application/services/requester.py), never the token's claim.
authenticated_flow = Flow(ValidationStage(), AuthenticationStage())
password_change_flow = Flow(authenticated_flow, RateLimitStage(RateLimitScope.PASSWORD_CHANGE))
# Per user: each logout looks a token up and revokes its session. Refresh is throttled
# in its handler (app/application/services/refresh_throttle.py), which knows the session.
logout_flow = Flow(authenticated_flow, RateLimitStage(RateLimitScope.LOGOUT))

PublicContext = Annotated[RouteContext, Depends(route_dependency(public_flow))]
LoginContext = Annotated[RouteContext, Depends(route_dependency(login_flow))]
RegisterContext = Annotated[RouteContext, Depends(route_dependency(register_flow))]
AuthenticatedContext = Annotated[RouteContext, Depends(route_dependency(authenticated_flow))]
PasswordChangeContext = Annotated[RouteContext, Depends(route_dependency(password_change_flow))]
LogoutContext = Annotated[RouteContext, Depends(route_dependency(logout_flow))]
