"""What the app's lifespan does to the process it runs in, around serving."""

import gc

from app.infrastructure.config import Settings

from .helpers import running_app


async def test_what_startup_built_stays_out_of_full_collections_while_the_app_serves(
    settings: Settings,
) -> None:
    async with running_app(settings):
        assert gc.get_freeze_count() > 0

    assert gc.get_freeze_count() == 0  # given back to the collector once the app stopped
