"""Access tokens as signed JWTs (PyJWT).

Decoding pins the algorithm (no `alg: none`, no HS/RS confusion), requires
`exp`, `iat`, `sub`, `typ`, `iss` and `aud`, accepts only this service's issuer
and audience, and only `typ == "access"`: a token another service minted with a
shared key is refused here. A token
that fails any check, however it fails, is an InvalidTokenError: even one
signed with the right key may carry claims no datetime can hold.
"""

import uuid
from datetime import UTC, datetime

import jwt

from app.application.services.access_token_codec import AccessClaims
from app.domain.errors import InvalidTokenError
from app.domain.value_objects.role import Role

ACCESS_TYP = "access"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "typ", "role", "iss", "aud"]


class JwtAccessTokenCodec:
    def __init__(self, *, secret: str, algorithm: str, issuer: str, audience: str) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self._issuer = issuer
        self._audience = audience

    def encode(self, claims: AccessClaims) -> str:
        payload = {
            "sub": str(claims.subject),
            "role": claims.role.value,
            "typ": ACCESS_TYP,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        if claims.session_id is not None:
            payload["sid"] = str(claims.session_id)
        return jwt.encode(payload, self._secret, algorithm=self._algorithm)

    def decode(self, token: str) -> AccessClaims:
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                issuer=self._issuer,
                audience=self._audience,
                # strict: a list of audiences that merely includes ours was meant for others too.
                options={"require": REQUIRED_CLAIMS, "strict_aud": True},
            )
            if payload["typ"] != ACCESS_TYP:
                raise jwt.InvalidTokenError("not an access token")
            return AccessClaims(
                subject=uuid.UUID(payload["sub"]),
                role=Role(payload["role"]),
                issued_at=datetime.fromtimestamp(payload["iat"], UTC),
                expires_at=datetime.fromtimestamp(payload["exp"], UTC),
                session_id=uuid.UUID(payload["sid"]) if "sid" in payload else None,
            )
        except jwt.ExpiredSignatureError:
            raise InvalidTokenError("Access token expired", code="TOKEN_EXPIRED") from None
        # OverflowError, OSError: an `exp` or `iat` beyond what datetime (and the
        # platform's time_t) can represent, e.g. 10**20; PyJWT accepts any number.
        # AttributeError: a `sid` that is no string (uuid.UUID reads it with .replace).
        except (
            jwt.InvalidTokenError,
            ValueError,
            TypeError,
            AttributeError,
            OverflowError,
            OSError,
        ):
            raise InvalidTokenError("Invalid access token") from None
