from app.application.bus.command_bus import command_handler
from app.application.commands.end_all_sessions import EndAllSessionsCommand
from app.application.ports.security_log import SecurityEvent, SecurityLog
from app.application.unit_of_work import UnitOfWork
from app.domain.services.clock import Clock


@command_handler(EndAllSessionsCommand)
async def handle_end_all_sessions(
    command: EndAllSessionsCommand, uow: UnitOfWork, clock: Clock, security_log: SecurityLog
) -> int:
    async with uow:
        # Every account's lock first, in a statement of its own: a refresh in flight then
        # commits before the revocation reads the table, and its new token ends too.
        await uow.users.lock_all()
        ended = await uow.refresh_tokens.revoke_all(clock.now())
    # Here rather than by the bus's audit, which never learns how many ended.
    security_log.record(
        SecurityEvent.ADMIN_ACTION, action="end_all_sessions", by="operator", ended=ended
    )
    return ended
