"""Named flows: which stages a route runs before its handler.

Each dependency is created once here: FastAPI caches a dependency per request
by identity, and fastapi-request-pipeline snapshots a flow when it is wrapped.
"""

from typing import Annotated

from fastapi import Depends
from fastapi_request_pipeline import Flow, RequestContext, flow_dependency

from app.domain.value_objects.role import Role
from app.interfaces.pipeline.stages.authentication_stage import AuthenticationStage
from app.interfaces.pipeline.stages.logging_stage import LoggingStage
from app.interfaces.pipeline.stages.permission_stage import PermissionStage
from app.interfaces.pipeline.stages.rate_limit_stage import LoginRateLimitStage
from app.interfaces.pipeline.stages.validation_stage import ValidationStage

public_flow = Flow(ValidationStage(), LoggingStage())
login_flow = Flow(public_flow, LoginRateLimitStage())
authenticated_flow = Flow(
    ValidationStage(), AuthenticationStage(), PermissionStage(), LoggingStage()
)
admin_flow = Flow(
    ValidationStage(), AuthenticationStage(), PermissionStage(Role.ADMIN), LoggingStage()
)

PublicContext = Annotated[RequestContext, Depends(flow_dependency(public_flow))]
LoginContext = Annotated[RequestContext, Depends(flow_dependency(login_flow))]
AuthenticatedContext = Annotated[RequestContext, Depends(flow_dependency(authenticated_flow))]
AdminContext = Annotated[RequestContext, Depends(flow_dependency(admin_flow))]
