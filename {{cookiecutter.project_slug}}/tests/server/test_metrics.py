"""Prometheus metrics of a served app (METRICS_PORT), scraped over HTTP and parsed.

One server for the module, hashing slowly on one thread (cost 13, about half a
second a hash) so that queued hashes last long enough to be sampled.
"""

import json
import secrets
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .metrics_scrape import PASSWORD, Scrape, post_json, scrape, scrape_until
from .served_app import (
    ServedApp,
    free_port,
    read_response,
    send_request,
    start,
    stop,
    wait_until_serving,
)

POOL_SIZE = 4
LOGIN_RATE_LIMIT = 3
REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
USER = "/api/v1/users/{user_id}"
COUNT = "http_request_duration_seconds_count"
BUCKET = "http_request_duration_seconds_bucket"
HANDLER_COUNT = "bus_handler_duration_seconds_count"
REJECTIONS = "rate_limit_rejections_total"
HASHES_AT_ONCE = 4


@pytest.fixture(scope="module")
def measured(
    served_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServedApp, int]]:
    """The served app and its metrics port."""
    metrics_port = free_port()
    log_path: Path = tmp_path_factory.mktemp("metrics") / "serve.log"
    with log_path.open("w+b") as log:
        app = start(
            served_database_url,
            log,
            METRICS_PORT=str(metrics_port),
            DATABASE_POOL_SIZE=str(POOL_SIZE),
            BCRYPT_ROUNDS="13",
            BCRYPT_MAX_CONCURRENCY="1",
            REGISTER_RATE_LIMIT_PER_MINUTE="0",
            LOGIN_RATE_LIMIT_PER_MINUTE=str(LOGIN_RATE_LIMIT),
            LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS="1",
        )
        try:
            wait_until_serving(app)
            yield app, metrics_port
        finally:
            stop(app)


@pytest.fixture(scope="module")
def traffic(measured: tuple[ServedApp, int]) -> tuple[Scrape, Scrape, str]:
    """Scrapes before and after a registration, a login, two reads and a path nobody serves."""
    app, metrics_port = measured
    before = scrape(metrics_port)
    email = f"metrics-{secrets.token_hex(4)}@example.com"
    registered = post_json(app, REGISTER, {"email": email, "password": PASSWORD})
    assert registered.status == 201, registered.body
    logged_in = post_json(app, LOGIN, {"email": email, "password": PASSWORD})
    assert logged_in.status == 200, logged_in.body
    user_id = json.loads(registered.body)["id"]
    bearer = {"Authorization": f"Bearer {json.loads(logged_in.body)['access_token']}"}
    for _ in range(2):
        assert app.request("GET", f"/api/v1/users/{user_id}", bearer).status == 200
    assert app.request("GET", f"/no/such/{uuid.uuid4()}").status == 404
    return before, scrape(metrics_port), user_id


def test_requests_are_counted_and_timed_by_method_route_template_and_status(
    traffic: tuple[Scrape, Scrape, str],
) -> None:
    before, after, user_id = traffic

    def delta(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    assert delta(COUNT, method="GET", route=USER, status="200") == 2
    assert delta(BUCKET, method="GET", route=USER, status="200", le="+Inf") == 2
    assert delta(COUNT, method="POST", route=REGISTER, status="201") == 1
    assert delta(COUNT, method="POST", route=LOGIN, status="200") == 1
    # A hash at cost 13 takes a good part of a second: never within 5 ms.
    assert delta(BUCKET, method="POST", route=REGISTER, status="201", le="0.005") == 0
    assert delta(COUNT, method="GET", route="unmatched", status="404") == 1
    routes = after.label_values(COUNT, "route")
    assert not [route for route in routes if user_id in route or route.startswith("/no/")]


def test_each_handler_call_is_timed_by_message_type(
    traffic: tuple[Scrape, Scrape, str],
) -> None:
    before, after, _ = traffic

    def delta(**labels: str) -> float:
        return after.value(HANDLER_COUNT, **labels) - before.value(HANDLER_COUNT, **labels)

    assert delta(kind="query", message_type="GetUserQuery", outcome="ok") == 2
    assert delta(kind="command", message_type="RegisterUserCommand", outcome="ok") == 1
    assert delta(kind="command", message_type="LoginUserCommand", outcome="ok") == 1


def test_the_pool_gauges_show_its_size_and_the_connections_open_and_in_use(
    measured: tuple[ServedApp, int], traffic: tuple[Scrape, Scrape, str]
) -> None:
    _, metrics_port = measured
    pool = {"database": "primary"}

    scraped = scrape_until(
        metrics_port,
        lambda s: s.value("db_pool_connections_open", **pool) >= 1,
        "the requests' connection was never sampled open",
    )

    assert scraped.value("db_pool_size", **pool) == POOL_SIZE
    assert scraped.value("db_pool_connections_open", **pool) <= POOL_SIZE
    # Idle between requests: every connection is back in the pool.
    assert scraped.value("db_pool_connections_in_use", **pool) == 0


def test_hashes_waiting_for_the_bcrypt_thread_are_sampled(
    measured: tuple[ServedApp, int],
) -> None:
    app, metrics_port = measured
    sockets: list[socket.socket] = []
    try:
        for number in range(HASHES_AT_ONCE):
            sock = app.connect()
            sockets.append(sock)
            email = f"pending-{number}-{secrets.token_hex(4)}@example.com"
            body = json.dumps({"email": email, "password": PASSWORD}).encode()
            send_request(sock, "POST", REGISTER, {"Content-Type": "application/json"}, body)
        # One thread, half a second a hash: some wait their turn for more than a second.
        scrape_until(
            metrics_port,
            lambda s: s.value("bcrypt_pending_hashes") >= 2,
            "no hashes were sampled pending",
        )
        for sock in sockets:
            sock.settimeout(HASHES_AT_ONCE * 2.0)
            assert read_response(sock).status == 201
    finally:
        for sock in sockets:
            sock.close()

    scrape_until(
        metrics_port,
        lambda s: s.value("bcrypt_pending_hashes") == 0,
        "the hashes were still pending once answered",
    )


def test_refusals_are_counted_by_the_limit_that_refused(
    measured: tuple[ServedApp, int],
) -> None:
    app, metrics_port = measured
    before = scrape(metrics_port)
    # Another account each time: only the per-address rate limit counts them all.
    statuses = [
        post_json(app, LOGIN, {"email": email, "password": PASSWORD}, "127.0.0.31").status
        for email in (f"nobody-{n}@example.com" for n in range(LOGIN_RATE_LIMIT + 1))
    ]
    assert statuses == [401] * LOGIN_RATE_LIMIT + [429]
    # One account from one address: its second failure is refused by the login throttle.
    guess = {"email": "guessed@example.com", "password": "not the password at all"}
    assert [post_json(app, LOGIN, guess, "127.0.0.32").status for _ in range(2)] == [401, 429]
    after = scrape(metrics_port)

    def delta(limit: str) -> float:
        return after.value(REJECTIONS, limit=limit) - before.value(REJECTIONS, limit=limit)

    assert delta("login") == 1
    assert delta("login_failures_per_account_and_address") == 1
    assert delta("login_failures_per_account") == 0
    after_429 = after.value(COUNT, method="POST", route=LOGIN, status="429")
    assert after_429 - before.value(COUNT, method="POST", route=LOGIN, status="429") == 2


def test_the_api_port_does_not_serve_the_metrics(measured: tuple[ServedApp, int]) -> None:
    app, metrics_port = measured

    assert app.request("GET", "/metrics").status == 404
    assert app.port != metrics_port
