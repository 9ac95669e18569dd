from app.application.bus.command_bus import command_handler
from app.application.commands.end_other_sessions import EndOtherSessionsCommand
from app.application.ports.security_log import SecurityEvent, SecurityLog
from app.application.services.caller_session import caller_in_live_session
from app.application.unit_of_work import UnitOfWork
from app.domain.services.clock import Clock


@command_handler(EndOtherSessionsCommand)
async def handle_end_other_sessions(
    command: EndOtherSessionsCommand, uow: UnitOfWork, clock: Clock, security_log: SecurityLog
) -> None:
    now = clock.now()
    async with uow:
        # The lock makes a concurrent refresh finish first: what it minted ends too.
        user = await caller_in_live_session(uow, command.user_id, command.current_session_id, now)
        await uow.refresh_tokens.end_other_sessions(user.id_, command.current_session_id, now)
    security_log.record(
        SecurityEvent.OTHER_SESSIONS_ENDED,
        user_id=command.user_id,
        kept_session_id=command.current_session_id,
    )
