"""The headers that tell browsers what a response may do, added to every response.

The API answers JSON only, so its policy allows nothing: no scripts, no frames, no
referrer. The interactive docs are HTML pages that FastAPI builds from scripts and
styles on a CDN with a small inline script, so they get a policy that allows exactly
those, and still no framing.
"""

from collections.abc import Iterable

Header = tuple[bytes, bytes]

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# What FastAPI's Swagger UI and ReDoc pages load: their bundles from jsDelivr, the
# favicon from fastapi.tiangolo.com, ReDoc's fonts from Google, the schema from here.
DOCS_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
        "font-src https://fonts.gstatic.com",
        "img-src 'self' data: https://fastapi.tiangolo.com",
        "connect-src 'self'",
        "worker-src blob:",
        "frame-ancestors 'none'",
    )
)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})


class SecurityHeaders:
    """The headers for a path, built once: a request only picks one of two lists."""

    def __init__(self, *, hsts_max_age_seconds: int) -> None:
        common: list[Header] = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if hsts_max_age_seconds:
            value = f"max-age={hsts_max_age_seconds}; includeSubDomains"
            common.append((b"strict-transport-security", value.encode()))
        self._api = _with_policy(common, API_POLICY)
        self._docs = _with_policy(common, DOCS_POLICY)

    def for_path(self, path: str) -> Iterable[Header]:
        return self._docs if path in DOCS_PATHS else self._api


def _with_policy(common: list[Header], policy: str) -> tuple[Header, ...]:
    return (*common, (b"content-security-policy", policy.encode()))
