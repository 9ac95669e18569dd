"""Response headers, with the OpenAPI header objects that document them."""

from typing import Any

# What the middleware echoes from X-Request-ID; anything else is replaced by a new id.
REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
# Token responses are credentials: no cache may keep them (RFC 6749, section 5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def header_object(description: str, **schema: Any) -> dict[str, Any]:
    """An OpenAPI header that every response it is documented on carries."""
    return {"description": description, "required": True, "schema": {"type": "string", **schema}}


REQUEST_ID = header_object(
    "The caller's X-Request-ID when it is safe to echo, else a new id; "
    "the access log line of the request carries the same id",
    pattern=REQUEST_ID_PATTERN,
)
# RFC 6750, section 3: a 401 names the error only when a token was sent.
BEARER_CHALLENGE = "Bearer"
REFUSED_BEARER_CHALLENGE = 'Bearer error="invalid_token"'
WWW_AUTHENTICATE = header_object(
    'The Bearer challenge; with error="invalid_token" when a token was sent and refused'
)
RETRY_AFTER = header_object("Seconds to wait before trying again", pattern=r"^[0-9]+$")
NO_STORE_HEADERS = {
    name: header_object(f"Always {value}: keep no copy", enum=[value])
    for name, value in NO_STORE.items()
}
