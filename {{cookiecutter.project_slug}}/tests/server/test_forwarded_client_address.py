"""The rate limits key on the client the trusted proxy names, and only it may name one.

The served processes trust 127.0.0.1 as their proxy (FORWARDED_ALLOW_IPS), as the
compose deployments trust their nginx; 127.0.0.2 is another machine on the path.
"""

import json
import uuid

from .conftest import LOGIN_RATE_LIMIT
from .served_app import ServedApp, missing_prerequisite, read_response, send_request

LOGIN = "/api/v1/auth/login"
PROXY = "127.0.0.1"
UNTRUSTED_PEER = "127.0.0.2"
REFUSED_UNTIL_LIMIT = [401] * LOGIN_RATE_LIMIT + [429]


def _failed_login(served: ServedApp, peer: str, forwarded_for: str) -> int:
    # A new email each time: only the address is shared between attempts.
    body = json.dumps({"email": f"{uuid.uuid4().hex}@example.com", "password": "not it"})
    with served.connect(peer) as sock:
        headers = {"Content-Type": "application/json", "X-Forwarded-For": forwarded_for}
        send_request(sock, "POST", LOGIN, headers, body.encode())
        return read_response(sock).status


def test_each_forwarded_client_has_its_own_bucket(served: ServedApp) -> None:
    first = [_failed_login(served, PROXY, "203.0.113.10") for _ in REFUSED_UNTIL_LIMIT]

    assert first == REFUSED_UNTIL_LIMIT
    assert _failed_login(served, PROXY, "203.0.113.11") == 401


def test_an_untrusted_peer_cannot_name_its_client_address(served: ServedApp) -> None:
    try:
        served.connect(UNTRUSTED_PEER).close()
    except OSError as error:
        missing_prerequisite(f"cannot connect from {UNTRUSTED_PEER}: {error}")
    claimed = [f"198.51.100.{n}" for n in range(len(REFUSED_UNTIL_LIMIT))]

    # Each attempt claims another address; all of them count against the peer's own.
    spoofed = [_failed_login(served, UNTRUSTED_PEER, address) for address in claimed]

    assert spoofed == REFUSED_UNTIL_LIMIT
    assert _failed_login(served, PROXY, claimed[0]) == 401
