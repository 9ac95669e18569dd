from collections.abc import Iterable


def header_block_size(target: bytes, headers: Iterable[tuple[bytes, bytes]]) -> int:
    """The bytes a request's target and header fields take, as both parsers report them."""
    return len(target) + sum(len(name) + len(value) for name, value in headers)
