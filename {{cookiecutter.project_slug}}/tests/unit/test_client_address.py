"""Client addresses to rate-limit buckets: IPv6 by /64, IPv4-mapped IPv6 as IPv4."""

import pytest

from app.interfaces.client_address import address_bucket


@pytest.mark.parametrize(
    ("host", "bucket"),
    [
        pytest.param("203.0.113.7", "203.0.113.7", id="ipv4-is-itself"),
        pytest.param("2001:db8:1:2::1", "2001:db8:1:2::/64", id="ipv6-host"),
        pytest.param("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64", id="ipv6-last-of-64"),
        pytest.param("2001:DB8:1:2:0:0:0:9", "2001:db8:1:2::/64", id="ipv6-uncompressed-upper"),
        pytest.param("2001:db8:1:3::1", "2001:db8:1:3::/64", id="ipv6-next-64"),
        pytest.param("::ffff:203.0.113.7", "203.0.113.7", id="ipv4-mapped"),
        pytest.param("::ffff:cb00:7107", "203.0.113.7", id="ipv4-mapped-in-hex"),
        pytest.param("fe80::1%eth0", "fe80::/64", id="zone-id-ignored"),
        pytest.param("::1", "::/64", id="ipv6-loopback"),
        pytest.param("testclient", "testclient", id="not-an-address"),
    ],
)
def test_address_bucket(host: str, bucket: str) -> None:
    assert address_bucket(host) == bucket
