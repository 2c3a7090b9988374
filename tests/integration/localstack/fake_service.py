"""A stand-in for a Jixiao service: answers GET /readyz and GET /env on $JIXIAO_HTTP_PORT.

FAKE_IGNORE_SIGTERM=1 makes it ignore SIGTERM (to test the SIGKILL escalation);
FAKE_READY_AFTER=seconds delays readiness.
"""

import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STARTED = time.monotonic()
READY_AFTER = float(os.environ.get("FAKE_READY_AFTER", "0"))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/readyz":
            ok = time.monotonic() - STARTED >= READY_AFTER
            self._send(200 if ok else 503, {"ready": ok})
        elif self.path == "/env":
            self._send(200, {k: v for k, v in os.environ.items() if k.startswith("JIXIAO_")})
        else:
            self._send(404, {})

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    if os.environ.get("FAKE_IGNORE_SIGTERM"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["JIXIAO_HTTP_PORT"])), Handler)
    print(f"fake {os.environ.get('JIXIAO_SERVICE', '?')} listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
