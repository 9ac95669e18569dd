from app.application.bus.query_bus import query_handler
from app.application.queries.get_user import GetUserQuery
from app.application.read_database import ReadDatabase
from app.application.read_models.user import UserReadModel
from app.domain.errors import AuthorizationError, NotFoundError


@query_handler(GetUserQuery)
async def handle_get_user(query: GetUserQuery, reader: ReadDatabase) -> UserReadModel:
    # Authorise before looking: a stranger learns nothing about which ids exist.
    if query.requester.user_id != query.user_id and not query.requester.is_admin:
        raise AuthorizationError("You may only read your own user record")
    row = await reader.fetch_one("users.get_by_id", {"id": str(query.user_id)})
    if row is None:
        raise NotFoundError("User not found", code="USER_NOT_FOUND")
    return UserReadModel.model_validate(row)
