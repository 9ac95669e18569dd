"""An account's history, kept from its events: what happened to it and when."""

from app.application.bus.event_bus import event_handler
from app.application.unit_of_work import UnitOfWork
from app.domain.events.domain_event import DomainEvent
from app.domain.events.user_password_changed import UserPasswordChanged
from app.domain.events.user_registered import UserRegistered


@event_handler(UserRegistered)
async def record_registration(event: UserRegistered, uow: UnitOfWork) -> None:
    await _record(event, "registered", uow)


@event_handler(UserPasswordChanged)
async def record_password_change(event: UserPasswordChanged, uow: UnitOfWork) -> None:
    await _record(event, "password_changed", uow)


async def _record(event: DomainEvent, activity: str, uow: UnitOfWork) -> None:
    async with uow:
        await uow.account_activity.add(
            user_id=event.aggregate_id,
            activity=activity,
            event_id=event.event_id,
            occurred_at=event.occurred_at,
        )
