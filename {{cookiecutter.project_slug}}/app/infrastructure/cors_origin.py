"""What CORS_ALLOW_ORIGINS may hold: origins exactly as a browser sends them."""

from urllib.parse import urlsplit


def origin_problem(origin: str) -> str | None:
    """Why `origin` would never match a browser's Origin header, or None when it would.

    Browsers send scheme://host[:port] in lower case, with no path; a wildcard is refused
    so that every site allowed to call the API is named.
    """
    if "*" in origin:
        return "is a wildcard: name each origin"
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return "is not an origin"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "needs http:// or https:// and a host"
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        return "must be scheme://host[:port] alone, with no path, not even a trailing /"
    if origin != origin.lower():
        return "must be lower case, as browsers send it"
    if port is not None and f":{port}" not in origin:
        return "is not an origin"
    return None
