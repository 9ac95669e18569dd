"""Which rate-limit bucket a client address falls in.

One IPv6 host usually holds a whole /64 (SLAAC, privacy addresses), so it can
rotate the low 64 bits at will: counting per address would give it 2**64
budgets. IPv6 clients are therefore grouped by /64, and an IPv4-mapped IPv6
address (::ffff:a.b.c.d, seen on dual-stack sockets) counts as its IPv4 address.
"""

import ipaddress

from starlette.requests import Request

IPV6_HOST_PREFIX = 64
UNKNOWN = "unknown"


def address_bucket(host: str) -> str:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # not an IP address (e.g. a test client's name): only itself
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    host_bits = 128 - IPV6_HOST_PREFIX
    # From the integer, so a zone id (fe80::1%eth0) cannot make two buckets of one.
    network = (int(address) >> host_bits) << host_bits
    return str(ipaddress.IPv6Network((network, IPV6_HOST_PREFIX)))


def client_bucket(request: Request) -> str:
    """The bucket of the client address the server reports (behind a trusted proxy, the
    address the proxy forwarded)."""
    return address_bucket(request.client.host) if request.client else UNKNOWN
