from app.application.bus.command_bus import command_handler
from app.application.commands.end_session import EndSessionCommand
from app.application.ports.security_log import SecurityEvent, SecurityLog
from app.application.services.caller_session import caller_in_live_session
from app.application.unit_of_work import UnitOfWork
from app.domain.errors import NotFoundError
from app.domain.services.clock import Clock


@command_handler(EndSessionCommand)
async def handle_end_session(
    command: EndSessionCommand, uow: UnitOfWork, clock: Clock, security_log: SecurityLog
) -> None:
    now = clock.now()
    async with uow:
        user = await caller_in_live_session(uow, command.user_id, command.current_session_id, now)
        ended = await uow.refresh_tokens.end_session(user.id_, command.session_id, now)
    # A refusal is recorded too: guessing at other accounts' session ids shows in the log.
    security_log.record(
        SecurityEvent.SESSION_ENDED if ended else SecurityEvent.SESSION_END_REFUSED,
        user_id=command.user_id,
        session_id=command.session_id,
        by_session_id=command.current_session_id,
    )
    if not ended:
        # Someone else's session, an ended one and an unknown id answer alike.
        raise NotFoundError("Session not found", code="SESSION_NOT_FOUND")
