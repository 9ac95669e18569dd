from app.application.bus.command_bus import command_handler
from app.application.commands.purge_expired_tokens import PurgeExpiredTokensCommand
from app.application.unit_of_work import UnitOfWork
from app.domain.services.clock import Clock


@command_handler(PurgeExpiredTokensCommand)
async def handle_purge_expired_tokens(
    command: PurgeExpiredTokensCommand, uow: UnitOfWork, clock: Clock
) -> int:
    # Only expired rows: a used or revoked token must stay until then, or replaying
    # it would look like an unknown token instead of revoking its family.
    async with uow:
        return await uow.refresh_tokens.delete_expired(clock.now())
