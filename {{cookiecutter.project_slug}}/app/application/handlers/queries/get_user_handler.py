from app.application.bus.query_bus import query_handler
from app.application.queries.get_user import GetUserQuery
from app.application.read_database import ReadDatabase
from app.application.read_models.user import UserReadModel
from app.application.services.requester import requester_record, require_role
from app.domain.errors import NotFoundError
from app.domain.value_objects.role import Role


@query_handler(GetUserQuery)
async def handle_get_user(
    query: GetUserQuery, reader: ReadDatabase, primary_reader: ReadDatabase
) -> UserReadModel:
    # The requester from the primary, never a replica that may lag: authorisation acts on
    # the account as it is now (a demotion counts at once), and a user who has just
    # registered and signed in is found.
    requester = await requester_record(primary_reader, query.requester.user_id)
    # Reading yourself: the requester's own row is the answer, one query in all.
    if requester.id == query.user_id:
        return requester
    # Authorise before looking: a stranger learns nothing about which ids exist.
    require_role(requester.role, Role.ADMIN)
    # Another account may be read from a replica, as of a moment ago (replication lag).
    row = await reader.fetch_one("users.get_by_id", {"id": str(query.user_id)})
    if row is None:
        raise NotFoundError("User not found", code="USER_NOT_FOUND")
    return UserReadModel.model_validate(row)
