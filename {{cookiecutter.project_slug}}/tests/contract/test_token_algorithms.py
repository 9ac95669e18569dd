"""JWT_ALGORITHM is the algorithm the running service signs and verifies access tokens with."""

from typing import get_args

import jwt
import pytest

from app.infrastructure.config import Settings

from .helpers import USERS, assert_envelope, bearer, client_for, running_app, signed_up

SUPPORTED_ALGORITHMS: tuple[str, ...] = get_args(Settings.model_fields["jwt_algorithm"].annotation)


@pytest.mark.parametrize("algorithm", SUPPORTED_ALGORITHMS)
async def test_the_service_signs_with_the_configured_algorithm_and_refuses_the_others(
    settings: Settings, algorithm: str
) -> None:
    configured = settings.model_copy(update={"jwt_algorithm": algorithm})
    key = configured.jwt_secret_key.get_secret_value()

    async with running_app(configured) as app, client_for(app) as client:
        alice = await signed_up(client, "alice")
        claims = jwt.decode(
            alice.access_token,
            key,
            algorithms=[algorithm],
            issuer=configured.jwt_issuer,
            audience=configured.token_audience,
        )
        own = await client.get(f"{USERS}/me", headers=alice.headers)
        # The same claims and key, signed under each other supported algorithm.
        foreign = {
            other: await client.get(
                f"{USERS}/me", headers=bearer(jwt.encode(claims, key, algorithm=other))
            )
            for other in SUPPORTED_ALGORITHMS
            if other != algorithm
        }

    assert jwt.get_unverified_header(alice.access_token)["alg"] == algorithm
    assert own.status_code == 200, own.text
    for response in foreign.values():
        assert_envelope(response, 401, "INVALID_TOKEN")
