"""The floor: the authenticated read and /health written as one file, no layers.

What a competent developer would write on the same libraries, used the way their
documentation shows: rowquery's AsyncEngine on the baked service's own SQL files (so the
same `users.get_by_id` statement), PyJWT with the same checks as the service (pinned
algorithm, issuer, required claims, `typ == "access"`), the same authorisation rule (the
caller reads their own record; another's only as an admin, the role read from the
database), FastAPI returning the row. No pipeline, no bus, no middleware, no error
envelope, no deadlines: everything the service does beyond this is what it must pay for.

    DATABASE_URL=... JWT_SECRET_KEY=... FLOOR_SQL_DIR=<project>/app/infrastructure/sql \
        uvicorn floor_app:app --app-dir bench
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import jwt
from fastapi import FastAPI, Header, HTTPException, Request
from row_query import AsyncEngine, ConnectionConfig, SQLRegistry

SECRET = os.environ["JWT_SECRET_KEY"]
ALGORITHM = os.environ.get("JWT_ALGORITHM", "HS256")
ISSUER = os.environ.get("APP_NAME", "My Service")
POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "10"))


def connection_config(url: str) -> ConnectionConfig:
    if url.startswith("sqlite"):
        return ConnectionConfig(
            driver="sqlite", database=url.split(":///", 1)[1], pool_size=POOL_SIZE
        )
    parts = urlsplit(url)
    return ConnectionConfig(
        driver="postgresql",
        host=parts.hostname,
        port=parts.port or 5432,
        user=unquote(parts.username or ""),
        password=unquote(parts.password) if parts.password else None,
        database=parts.path.lstrip("/"),
        pool_size=POOL_SIZE,
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    registry = SQLRegistry(os.environ["FLOOR_SQL_DIR"])
    app.state.engine = AsyncEngine.from_config(
        connection_config(os.environ["DATABASE_URL"]), registry
    )
    yield
    await app.state.engine.close()


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "healthy", "service": ISSUER, "version": "0.1.0"}


@app.get("/api/v1/users/{user_id}")
async def get_user(
    user_id: uuid.UUID, request: Request, authorization: str = Header(default="")
) -> dict[str, Any]:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "Missing bearer token")
    try:
        claims = jwt.decode(
            token,
            SECRET,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "typ", "role", "iss"]},
        )
        if claims["typ"] != "access":
            raise jwt.InvalidTokenError("not an access token")
        caller_id = uuid.UUID(claims["sub"])
    except (jwt.InvalidTokenError, ValueError):
        raise HTTPException(401, "Invalid access token") from None
    engine: AsyncEngine = request.app.state.engine
    caller = await engine.fetch_one("users.get_by_id", {"id": str(caller_id)})
    if caller is None:
        raise HTTPException(401, "Invalid access token")
    if caller_id == user_id:
        return caller
    if caller["role"] != "admin":
        raise HTTPException(403, "Forbidden")
    user = await engine.fetch_one("users.get_by_id", {"id": str(user_id)})
    if user is None:
        raise HTTPException(404, "User not found")
    return user
