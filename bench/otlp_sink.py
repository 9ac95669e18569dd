"""An OTLP/HTTP collector that keeps nothing: it answers every export 200 and counts them.

The benchmark's tracing phase sends its spans here, so that their whole cost (spans,
the batch processor's thread, protobuf, the HTTP export) is paid by the service, and no
real collector is needed. Prints the exports it took when stopped (SIGTERM).
"""

import argparse
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType


class Sink(BaseHTTPRequestHandler):
    exports = 0
    bytes_taken = 0

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        Sink.exports += 1
        Sink.bytes_taken += length
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        # Quiet: a line per export on stderr would only slow the sink down.
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    server = ThreadingHTTPServer(("127.0.0.1", port), Sink)

    def stop(signum: int, frame: FrameType | None) -> None:
        print(f"otlp sink: {Sink.exports} exports, {Sink.bytes_taken} bytes", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever()


if __name__ == "__main__":
    main()
