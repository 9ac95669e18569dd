from app.application.bus.query_bus import query_handler
from app.application.queries.list_users import ListUsersQuery, UserPosition
from app.application.read_database import ReadDatabase
from app.application.read_models.user import UserReadModel
from app.application.read_models.user_page import UserPage
from app.application.services.requester import requester_record, require_role
from app.domain.value_objects.role import Role


@query_handler(ListUsersQuery)
async def handle_list_users(
    query: ListUsersQuery, reader: ReadDatabase, primary_reader: ReadDatabase
) -> UserPage:
    # As in GetUser: the requester as the primary knows them now, before anything is read.
    requester = await requester_record(primary_reader, query.requester.user_id)
    require_role(requester.role, Role.ADMIN)
    # One row more than the page: whether it comes back says if another page exists.
    rows = await reader.fetch_all(
        "users.list_page",
        {
            "role": None if query.role is None else query.role.value,
            "is_active": query.is_active,
            **_after(query.after),
            "limit": query.limit + 1,
        },
    )
    items = tuple(UserReadModel.model_validate(row) for row in rows[: query.limit])
    return UserPage(items=items, has_more=len(rows) > query.limit)


def _after(position: UserPosition | None) -> dict[str, str | None]:
    if position is None:
        return {"after_created_at": None, "after_id": None}
    # As the rows store it (fixed-width ISO text in UTC), so SQLite compares text in order.
    moment = position.created_at.isoformat(timespec="microseconds")
    return {"after_created_at": moment, "after_id": str(position.id)}
