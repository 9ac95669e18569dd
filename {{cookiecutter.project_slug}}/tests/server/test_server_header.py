"""`python -m app serve` names no server software: nothing to match against known bugs."""

from .served_app import ServedApp


def test_responses_carry_no_server_header(served: ServedApp) -> None:
    for path in ("/health", "/no-such-route"):
        response = served.request("GET", path)
        assert "server" not in response.headers, response.headers
