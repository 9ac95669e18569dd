from datetime import UTC

from app.application.bus.query_bus import query_handler
from app.application.queries.list_sessions import MAX_LISTED_SESSIONS, ListSessionsQuery
from app.application.read_database import ReadDatabase
from app.application.read_models.session import SessionReadModel
from app.application.services.caller_session import session_ended
from app.application.services.requester import requester_record
from app.domain.services.clock import Clock


@query_handler(ListSessionsQuery)
async def handle_list_sessions(
    query: ListSessionsQuery, primary_reader: ReadDatabase, clock: Clock
) -> list[SessionReadModel]:
    # From the primary: a session ended a moment ago must not be listed by a lagging replica.
    await requester_record(primary_reader, query.user_id)
    # As the rows store it (fixed-width ISO text in UTC), so SQLite compares text in order.
    now = clock.now().astimezone(UTC).isoformat(timespec="microseconds")
    if query.current_session_id is not None:
        # The caller's own session must still be live (app/application/services/caller_session.py).
        live = await primary_reader.fetch_one(
            "refresh_tokens.has_live_session",
            {"user_id": str(query.user_id), "family_id": str(query.current_session_id), "now": now},
        )
        if live is None:
            raise session_ended()
    rows = await primary_reader.fetch_all(
        "refresh_tokens.list_live_for_user",
        {"user_id": str(query.user_id), "now": now, "limit": MAX_LISTED_SESSIONS},
    )
    sessions = [SessionReadModel.model_validate(row) for row in rows]
    return [
        session.model_copy(update={"current": session.id == query.current_session_id})
        for session in sessions
    ]
