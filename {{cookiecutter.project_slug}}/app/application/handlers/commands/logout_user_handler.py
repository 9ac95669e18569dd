from app.application.bus.command_bus import command_handler
from app.application.commands.logout_user import LogoutUserCommand
from app.application.ports.security_log import SecurityEvent, SecurityLog
from app.application.services.requester import requester_account
from app.application.services.token_service import hash_refresh_token
from app.application.unit_of_work import UnitOfWork
from app.domain.services.clock import Clock


@command_handler(LogoutUserCommand)
async def handle_logout_user(
    command: LogoutUserCommand, uow: UnitOfWork, clock: Clock, security_log: SecurityLog
) -> None:
    async with uow:
        # The requester's lock makes a concurrent refresh of their family finish
        # first, so the token it mints is found and revoked here too.
        await requester_account(uow.users, command.user_id, lock=True)
        token = await uow.refresh_tokens.get_by_hash(hash_refresh_token(command.refresh_token))
        # Someone else's token is left alone, silently: logout must not become
        # a way to revoke other people's sessions or to probe for tokens.
        foreign = token is not None and token.user_id.value != command.user_id
        if token is not None and not foreign:
            await uow.refresh_tokens.revoke_family(token.family_id, clock.now())
    if foreign:
        # The caller alone is named: whose token it was is not theirs to learn from a log.
        security_log.record(SecurityEvent.FOREIGN_TOKEN_LOGOUT, user_id=command.user_id)
    else:
        security_log.record(
            SecurityEvent.LOGGED_OUT,
            user_id=command.user_id,
            session_id=None if token is None else token.family_id,
        )
