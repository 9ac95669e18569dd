from fastapi_request_pipeline import ComponentCategory, FlowComponent, RequestContext

from app.application.dto.principal import Principal
from app.domain.value_objects.role import Role
from app.interfaces.pipeline.abort import StageAbort


class PermissionStage(FlowComponent):  # type: ignore[misc]
    """Requires an authenticated principal, and optionally a role."""

    category = ComponentCategory.PERMISSION

    def __init__(self, required_role: Role | None = None) -> None:
        self._required_role = required_role

    async def resolve(self, ctx: RequestContext) -> None:
        principal = ctx.user
        if not isinstance(principal, Principal):
            raise StageAbort(
                "Authentication required",
                code="AUTHENTICATION_REQUIRED",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if self._required_role is not None and principal.role is not self._required_role:
            raise StageAbort(
                f"This action requires the {self._required_role.value} role",
                code="FORBIDDEN",
                status_code=403,
            )
