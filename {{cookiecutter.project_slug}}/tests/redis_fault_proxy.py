"""A TCP proxy between a process and redis-server that stalls at a chosen command.

It forwards every byte both ways until it is told otherwise, which makes the
moment a test kills a process exact instead of a race:

* `withhold_replies_after(b"XADD")`: once a client sent an XADD (forwarded, so the
  server runs it), nothing more the server says reaches that client. The client
  waits for a reply that never comes, as when a connection dies after the write.
* `hold_back(b"XACK")`: a client's XACK, and whatever that client sends after it,
  is never forwarded. The server does not see it.

`triggered` is set once either happened. Commands are recognised by their name as
redis-py sends it, a RESP bulk string (b"$4\\r\\nXADD\\r\\n"), even across reads.
"""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

CHUNK_BYTES = 65536
JOIN_TIMEOUT_SECONDS = 5.0


def _resp_name(command: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(command), command.upper())


class _Link:
    """One client connection and the proxy's connection to the server for it."""

    def __init__(self, proxy: "RedisFaultProxy", client: socket.socket) -> None:
        self._proxy = proxy
        self.client = client
        self.server = socket.create_connection(proxy.upstream)
        self._replies_withheld = threading.Event()
        self._commands_held = threading.Event()
        self.threads = [
            threading.Thread(target=self._client_to_server, daemon=True),
            threading.Thread(target=self._server_to_client, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def _client_to_server(self) -> None:
        seen = b""
        try:
            while chunk := self.client.recv(CHUNK_BYTES):
                seen = seen[-64:] + chunk  # a name split across two reads still matches
                held, withheld = self._proxy.patterns()
                if held is not None and held in seen:
                    self._commands_held.set()
                    self._proxy.triggered.set()
                if self._commands_held.is_set():
                    continue
                if withheld is not None and withheld in seen:
                    # Before forwarding: the reply must not slip through first.
                    self._replies_withheld.set()
                    self._proxy.triggered.set()
                self.server.sendall(chunk)
        except OSError:
            pass
        finally:
            self.close()

    def _server_to_client(self) -> None:
        try:
            while chunk := self.server.recv(CHUNK_BYTES):
                if not self._replies_withheld.is_set():
                    self.client.sendall(chunk)
        except OSError:
            pass
        finally:
            self.close()

    def close(self) -> None:
        for sock in (self.client, self.server):
            # Already shut down, by the other side or the other thread: that is fine.
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class RedisFaultProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.triggered = threading.Event()
        self._lock = threading.Lock()
        self._hold_back: bytes | None = None
        self._withhold_after: bytes | None = None
        self._links: list[_Link] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def withhold_replies_after(self, command: bytes) -> None:
        with self._lock:
            self._withhold_after = _resp_name(command)

    def hold_back(self, command: bytes) -> None:
        with self._lock:
            self._hold_back = _resp_name(command)

    def patterns(self) -> tuple[bytes | None, bytes | None]:
        with self._lock:
            return self._hold_back, self._withhold_after

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                self._links.append(_Link(self, client))

    def close(self) -> None:
        # Closing alone would leave accept() blocked in the other thread; shutting the
        # socket down wakes it.
        with suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._accepting.join(JOIN_TIMEOUT_SECONDS)
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close()
            for thread in link.threads:
                thread.join(JOIN_TIMEOUT_SECONDS)


@contextmanager
def fault_proxy(redis_url: str) -> Iterator[RedisFaultProxy]:
    """A proxy in front of the Redis at `redis_url`; its `url` is what clients use."""
    parts = urlsplit(redis_url)
    proxy = RedisFaultProxy((parts.hostname or "127.0.0.1", parts.port or 6379))
    try:
        yield proxy
    finally:
        proxy.close()
