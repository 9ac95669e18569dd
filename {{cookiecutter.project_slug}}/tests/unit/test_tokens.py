"""TokenService and JwtAccessTokenCodec: what an access token must survive to be accepted."""

import hashlib
import json
import uuid
from base64 import urlsafe_b64decode, urlsafe_b64encode
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import jwt
import pytest

from app.application.dto.principal import Principal
from app.application.services.access_token_codec import AccessClaims
from app.application.services.token_service import TokenService, hash_refresh_token
from app.domain.entities.user import UserEntity
from app.domain.errors import AuthenticationError
from app.domain.value_objects.email import Email
from app.domain.value_objects.role import Role
from app.infrastructure.config import Settings
from app.infrastructure.security.jwt_access_token_codec import JwtAccessTokenCodec

from .fakes import FixedClock, InMemoryUnitOfWork
from .helpers import ACCESS_TTL, JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET


def make_user(role: Role = Role.USER) -> UserEntity:
    return UserEntity.register(
        email=Email.parse("alice@example.com"),
        password_hash="hash",
        role=role,
        now=datetime.now(UTC),
    )


def b64(data: dict[str, Any]) -> str:
    return urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def valid_payload(**overrides: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    payload: dict[str, Any] = {
        "sub": str(uuid.uuid4()),
        "role": "user",
        "typ": "access",
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "iat": now,
        "exp": now + 600,
    }
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not None}


def signed(
    payload: dict[str, Any], *, algorithm: str = JWT_ALGORITHM, key: str = JWT_SECRET
) -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


# --- TokenService ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [pytest.param(role, id=role.value) for role in Role])
async def test_issued_access_token_authenticates_to_the_user(
    jwt_tokens: TokenService, uow: InMemoryUnitOfWork, role: Role
) -> None:
    user = make_user(role)
    async with uow:
        pair = await jwt_tokens.issue(uow, user)
    [stored] = uow.stored_tokens()
    principal = Principal(user_id=user.id_.value, session_id=stored.family_id)
    assert jwt_tokens.authenticate(pair.access_token) == principal
    assert pair.expires_in == int(ACCESS_TTL.total_seconds())
    assert pair.token_type == "bearer"


async def test_refresh_token_is_stored_only_as_its_sha256_hex(
    jwt_tokens: TokenService, uow: InMemoryUnitOfWork
) -> None:
    async with uow:
        pair = await jwt_tokens.issue(uow, make_user())
    [stored] = uow.stored_tokens()
    assert stored.token_hash == hashlib.sha256(pair.refresh_token.encode()).hexdigest()
    assert stored.token_hash == hash_refresh_token(pair.refresh_token)
    assert len(stored.token_hash) == 64
    assert pair.refresh_token not in repr(vars(stored))
    assert len(pair.refresh_token) >= 43, "at least 32 random bytes"


async def test_refresh_tokens_are_unique(jwt_tokens: TokenService, uow: InMemoryUnitOfWork) -> None:
    user = make_user()
    async with uow:
        raw = {(await jwt_tokens.issue(uow, user)).refresh_token for _ in range(20)}
    assert len(raw) == 20


async def test_refresh_token_is_not_an_access_token(
    jwt_tokens: TokenService, uow: InMemoryUnitOfWork
) -> None:
    async with uow:
        pair = await jwt_tokens.issue(uow, make_user())
    with pytest.raises(AuthenticationError) as caught:
        jwt_tokens.authenticate(pair.refresh_token)
    assert caught.value.code == "INVALID_TOKEN"


async def test_expired_access_token_is_refused(
    jwt_codec: JwtAccessTokenCodec, uow: InMemoryUnitOfWork
) -> None:
    past = FixedClock(datetime.now(UTC) - ACCESS_TTL - timedelta(minutes=1))
    service = TokenService(
        codec=jwt_codec,
        clock=past,
        access_ttl=ACCESS_TTL,
        refresh_ttl=timedelta(days=1),
        session_lifetime=timedelta(days=1),
    )
    async with uow:
        pair = await service.issue(uow, make_user())
    with pytest.raises(AuthenticationError) as caught:
        service.authenticate(pair.access_token)
    assert caught.value.code == "TOKEN_EXPIRED"


# --- JwtAccessTokenCodec ---------------------------------------------------------------------


def test_codec_round_trips_claims(jwt_codec: JwtAccessTokenCodec) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    claims = AccessClaims(
        subject=uuid.uuid4(), role=Role.ADMIN, issued_at=now, expires_at=now + ACCESS_TTL
    )
    assert jwt_codec.decode(jwt_codec.encode(claims)) == claims


def test_codec_writes_the_pinned_algorithm_and_access_type(jwt_codec: JwtAccessTokenCodec) -> None:
    now = datetime.now(UTC)
    token = jwt_codec.encode(
        AccessClaims(
            subject=uuid.uuid4(), role=Role.USER, issued_at=now, expires_at=now + ACCESS_TTL
        )
    )
    assert jwt.get_unverified_header(token)["alg"] == JWT_ALGORITHM
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload["typ"] == "access"
    assert payload["iss"] == JWT_ISSUER
    assert payload["aud"] == JWT_AUDIENCE


def test_codec_accepts_a_well_formed_token(jwt_codec: JwtAccessTokenCodec) -> None:
    assert jwt_codec.decode(signed(valid_payload(role="admin"))).role is Role.ADMIN


def _tampered_signature() -> str:
    header, payload, signature = signed(valid_payload()).split(".")
    flipped = "A" if signature[0] != "A" else "B"
    return f"{header}.{payload}.{flipped}{signature[1:]}"


def _tampered_payload() -> str:
    header, payload, signature = signed(valid_payload()).split(".")
    claims = json.loads(urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    return f"{header}.{b64(claims)}.{signature}"


def _alg_none() -> str:
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(valid_payload(role='admin'))}."


INVALID_TOKENS = [
    pytest.param(_tampered_signature, id="tampered-signature"),
    pytest.param(_tampered_payload, id="payload-escalated-to-admin"),
    pytest.param(lambda: signed(valid_payload(), key="another-secret-" + "y" * 49), id="wrong-key"),
    pytest.param(lambda: signed(valid_payload(), algorithm="HS512"), id="hs512-when-hs256-pinned"),
    pytest.param(_alg_none, id="alg-none"),
    pytest.param(lambda: signed(valid_payload(typ="refresh")), id="typ-refresh"),
    pytest.param(lambda: signed(valid_payload(typ="Access")), id="typ-wrong-case"),
    pytest.param(lambda: signed(valid_payload(iss="someone-else")), id="foreign-issuer"),
    pytest.param(lambda: signed(valid_payload(aud="another-service:local")), id="foreign-audience"),
    pytest.param(
        lambda: signed(valid_payload(aud="my-service-tests:prod")), id="another-environment"
    ),
    pytest.param(
        lambda: signed(valid_payload(aud=[JWT_AUDIENCE, "another-service:local"])),
        id="audience-list-naming-others-too",
    ),
    pytest.param(lambda: signed(valid_payload(sub="not-a-uuid")), id="sub-not-a-uuid"),
    pytest.param(lambda: signed(valid_payload(role="superuser")), id="unknown-role"),
    pytest.param(
        lambda: signed(valid_payload(iat=int(datetime.now(UTC).timestamp()) + 3600)),
        id="issued-in-the-future",
    ),
    *[
        pytest.param(
            lambda claim=claim: signed(valid_payload(**{claim: None})), id=f"missing-{claim}"
        )
        for claim in ("sub", "role", "typ", "iss", "aud", "iat", "exp")
    ],
    pytest.param(lambda: "not.a.jwt", id="garbage"),
    pytest.param(lambda: "", id="empty"),
]


@pytest.mark.parametrize("make_token", INVALID_TOKENS)
def test_codec_refuses(jwt_codec: JwtAccessTokenCodec, make_token: Any) -> None:
    with pytest.raises(AuthenticationError) as caught:
        jwt_codec.decode(make_token())
    assert caught.value.code == "INVALID_TOKEN"


def test_codec_reports_expiry_separately(jwt_codec: JwtAccessTokenCodec) -> None:
    now = int(datetime.now(UTC).timestamp())
    with pytest.raises(AuthenticationError) as caught:
        jwt_codec.decode(signed(valid_payload(iat=now - 120, exp=now - 60)))
    assert caught.value.code == "TOKEN_EXPIRED"


# --- JWT_ALGORITHM ---------------------------------------------------------------------------

# Every value Settings accepts for JWT_ALGORITHM: a new one is covered here without an edit.
SUPPORTED_ALGORITHMS: tuple[str, ...] = get_args(Settings.model_fields["jwt_algorithm"].annotation)


def _codec(algorithm: str) -> JwtAccessTokenCodec:
    return JwtAccessTokenCodec(
        secret=JWT_SECRET, algorithm=algorithm, issuer=JWT_ISSUER, audience=JWT_AUDIENCE
    )


def _claims() -> AccessClaims:
    now = datetime.now(UTC).replace(microsecond=0)
    return AccessClaims(
        subject=uuid.uuid4(), role=Role.USER, issued_at=now, expires_at=now + ACCESS_TTL
    )


def test_the_supported_algorithms_are_the_three_hmac_ones() -> None:
    assert set(SUPPORTED_ALGORITHMS) == {"HS256", "HS384", "HS512"}


@pytest.mark.parametrize("algorithm", SUPPORTED_ALGORITHMS)
def test_a_token_is_signed_with_the_configured_algorithm_and_verifies_under_it(
    algorithm: str,
) -> None:
    claims = _claims()

    token = _codec(algorithm).encode(claims)

    assert jwt.get_unverified_header(token)["alg"] == algorithm
    # The signature is the algorithm's own: PyJWT checks it with that algorithm alone.
    verified = jwt.decode(token, JWT_SECRET, algorithms=[algorithm], options={"verify_aud": False})
    assert verified["sub"] == str(claims.subject)
    assert _codec(algorithm).decode(token) == claims


@pytest.mark.parametrize(
    ("configured", "signed_with"),
    [
        pytest.param(configured, other, id=f"{configured}-refuses-{other}")
        for configured in SUPPORTED_ALGORITHMS
        for other in SUPPORTED_ALGORITHMS
        if other != configured
    ],
)
def test_a_token_signed_under_another_supported_algorithm_is_refused(
    configured: str, signed_with: str
) -> None:
    # Same key, issuer and claims: only the algorithm differs.
    token = _codec(signed_with).encode(_claims())

    with pytest.raises(AuthenticationError) as caught:
        _codec(configured).decode(token)

    assert caught.value.code == "INVALID_TOKEN"


@pytest.mark.parametrize("algorithm", SUPPORTED_ALGORITHMS)
def test_a_header_naming_the_configured_algorithm_over_another_signature_is_refused(
    algorithm: str,
) -> None:
    """The header cannot lie: an HS512 signature under an "alg": "HS256" header fails."""
    other = next(candidate for candidate in SUPPORTED_ALGORITHMS if candidate != algorithm)
    _, payload, signature = _codec(other).encode(_claims()).split(".")
    header = b64({"alg": algorithm, "typ": "JWT"})

    with pytest.raises(AuthenticationError) as caught:
        _codec(algorithm).decode(f"{header}.{payload}.{signature}")

    assert caught.value.code == "INVALID_TOKEN"
