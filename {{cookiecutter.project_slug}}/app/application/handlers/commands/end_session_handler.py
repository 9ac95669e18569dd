from app.application.bus.command_bus import command_handler
from app.application.commands.end_session import EndSessionCommand
from app.application.ports.security_log import SecurityEvent, SecurityLog
from app.application.services.caller_session import require_live_session
from app.application.services.requester import requester_account
from app.application.unit_of_work import UnitOfWork
from app.domain.errors import NotFoundError
from app.domain.services.clock import Clock


@command_handler(EndSessionCommand)
async def handle_end_session(
    command: EndSessionCommand, uow: UnitOfWork, clock: Clock, security_log: SecurityLog
) -> None:
    now = clock.now()
    async with uow:
        user = await requester_account(uow.users, command.user_id, lock=True)
        await require_live_session(uow, user.id_, command.current_session_id, now)
        # Someone else's session, an ended one and an unknown id answer alike.
        if not await uow.refresh_tokens.end_session(user.id_, command.session_id, now):
            raise NotFoundError("Session not found", code="SESSION_NOT_FOUND")
    security_log.record(
        SecurityEvent.SESSION_ENDED,
        user_id=command.user_id,
        session_id=command.session_id,
        by_session_id=command.current_session_id,
    )
