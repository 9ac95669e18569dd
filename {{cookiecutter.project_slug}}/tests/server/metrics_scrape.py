"""Scraping a served app's metrics port over HTTP, parsed by prometheus_client's own parser."""

import http.client
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .served_app import IO_TIMEOUT_SECONDS, Response, ServedApp, read_response, send_request

SAMPLED_DEADLINE_SECONDS = 10.0
PASSWORD = "a fine passphrase"


@dataclass(frozen=True)
class Scrape:
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 for one not exported (yet), as for a counter never counted."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def names(self) -> set[str]:
        return {name for name, _ in self.samples}

    def label_values(self, name: str, label: str) -> set[str]:
        return {
            dict(labels)[label]
            for sample, labels in self.samples
            if sample == name and label in dict(labels)
        }


def scrape(port: int) -> Scrape:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=IO_TIMEOUT_SECONDS)
    try:
        connection.request("GET", "/metrics")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type", "").startswith("text/plain")
        text = response.read().decode()
    finally:
        connection.close()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return Scrape(samples)


def scrape_until(port: int, condition: Callable[[Scrape], bool], what: str) -> Scrape:
    """Scrape until `condition` holds: sampled gauges lag by up to a sampling period."""
    deadline = time.monotonic() + SAMPLED_DEADLINE_SECONDS
    while not condition(scraped := scrape(port)):
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {SAMPLED_DEADLINE_SECONDS} s: {scraped.samples}")
        time.sleep(0.05)
    return scraped


def post_json(
    app: ServedApp, path: str, payload: dict[str, str], client: str = "127.0.0.1"
) -> Response:
    body = json.dumps(payload).encode()
    with app.connect(client) as sock:
        send_request(sock, "POST", path, {"Content-Type": "application/json"}, body)
        return read_response(sock)
