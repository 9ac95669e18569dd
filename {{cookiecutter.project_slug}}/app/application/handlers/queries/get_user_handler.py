from app.application.bus.query_bus import query_handler
from app.application.queries.get_user import GetUserQuery
from app.application.read_database import ReadDatabase
from app.application.read_models.user import UserReadModel
from app.application.services.requester import requester_record, require_role
from app.domain.errors import NotFoundError
from app.domain.value_objects.role import Role


@query_handler(GetUserQuery)
async def handle_get_user(query: GetUserQuery, reader: ReadDatabase) -> UserReadModel:
    requester = await requester_record(reader, query.requester.user_id)
    # Reading yourself: the requester's own row is the answer, one query in all.
    if requester.id == query.user_id:
        return requester
    # Authorise before looking: a stranger learns nothing about which ids exist.
    require_role(requester.role, Role.ADMIN)
    row = await reader.fetch_one("users.get_by_id", {"id": str(query.user_id)})
    if row is None:
        raise NotFoundError("User not found", code="USER_NOT_FOUND")
    return UserReadModel.model_validate(row)
