"""A registry that misbehaves on purpose: a proxy in front of the embedded docker-registry.

It forwards every request to the real registry and breaks one thing, named by FAULT:
  wrong-digest   Docker-Content-Digest of blob GETs is a digest of something else
  status-200     a manifest GET of an unknown tag answers 200 with an empty JSON object
  error-garbage  error bodies become {"errors": "broken"} (JSON of the wrong shape)
  endless-link   tag lists carry a Link header pointing to a fresh page, forever
Run: python server.py UPSTREAM_URL FAULT PORT_FILE (writes the chosen port to PORT_FILE).
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

UPSTREAM = urlsplit(sys.argv[1]) if len(sys.argv) > 1 else None
FAULT = sys.argv[2] if len(sys.argv) > 2 else ""
_COUNTER = iter(range(1, 1 << 30))
_LOCK = threading.Lock()


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        assert UPSTREAM is not None
        connection = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "transfer-encoding")}
        connection.request(self.command, self.path, body=body, headers=headers)
        upstream = connection.getresponse()
        status, data = upstream.status, upstream.read()
        out = {
            k: v for k, v in upstream.getheaders() if k.lower() not in ("content-length", "transfer-encoding")
        }
        connection.close()
        status, out, data = self._break(status, out, data)
        self.send_response(status)
        for key, value in out.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _break(self, status: int, headers: dict, data: bytes) -> tuple[int, dict, bytes]:
        path = self.path.split("?")[0]
        if FAULT == "wrong-digest" and "/blobs/sha256:" in path and status == 200:
            headers["Docker-Content-Digest"] = "sha256:" + "1" * 64
        elif FAULT == "status-200" and "/manifests/no-such-tag" in path:
            return 200, {"Content-Type": "application/json"}, b"{}"
        elif FAULT == "error-garbage" and 400 <= status < 500 and data.startswith(b"{"):
            return status, {"Content-Type": "application/json"}, b'{"errors": "broken"}'
        elif FAULT == "endless-link" and path.endswith("/tags/list") and status == 200:
            with _LOCK:
                page = next(_COUNTER)
            headers["Link"] = f'<{path}?n=1&last=page{page}>; rel="next"'
            document = json.loads(data)
            document["tags"] = (document.get("tags") or [])[:1]
            data = json.dumps(document).encode()
        return status, headers, data

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _forward


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    Path(sys.argv[3]).write_text(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
