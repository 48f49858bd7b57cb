"""A registry that misbehaves on purpose: a proxy in front of a real docker-registry.

It forwards every request (keeping the Host header, so the registry's Locations lead back to the
proxy) and applies the faults named on its command line, each described in faults.yaml:
`when` selects exchanges (request method, path, query, headers, body; the upstream status),
`then` says what breaks (the request before it is forwarded, the answer, or both).

Run: python server.py UPSTREAM_URL FAULT[,FAULT...] PORT_FILE (writes the chosen port to PORT_FILE).
"""

from __future__ import annotations

import http.client
import json
import re
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import yaml

FAULTS_FILE = Path(__file__).resolve().parent / "faults.yaml"
UPSTREAM_TIMEOUT = 60.0
_REPOSITORY = re.compile(r"^/v2/(.+?)/(?:manifests|blobs|tags|referrers)/")
_HOP = ("connection", "keep-alive", "transfer-encoding", "content-length")


@dataclass
class Exchange:
    """One request as received and the answer it gets (changed by the faults on its way)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int = 0
    out: dict[str, str] = field(default_factory=dict)
    data: bytes = b""
    #: Further answer headers, repeated names allowed.
    extra: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    @property
    def repository(self) -> str | None:
        match = _REPOSITORY.match(self.path)
        return match.group(1) if match else None


class State:
    """What stateful faults remember: match counts, repositories whose manifests were fetched."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.matched: dict[str, int] = {}
        self.fetched: set[str] = set()


@dataclass
class Fault:
    id: str
    when: dict
    then: dict

    def wants(self, exchange: Exchange, state: State) -> bool:
        """Whether the request part of `when` selects this exchange (counting it for `after`)."""
        when = self.when
        methods = when.get("method")
        if methods and exchange.method not in ([methods] if isinstance(methods, str) else methods):
            return False
        for key, value in (("path", exchange.path), ("query", exchange.query)):
            if key in when and not re.search(when[key], value):
                return False
        for name, pattern in (when.get("header") or {}).items():
            if not re.search(pattern, exchange.header(name) or ""):
                return False
        if "body" in when and not re.search(when["body"].encode(), exchange.body):
            return False
        if len(exchange.body) < when.get("min_body", 0):
            return False
        if when.get("state") == "manifest-not-fetched" and exchange.repository in state.fetched:
            return False
        with state.lock:
            state.matched[self.id] = seen = state.matched.get(self.id, 0) + 1
        return seen > when.get("after", 0)

    def answers(self, exchange: Exchange) -> bool:
        statuses = self.when.get("status")
        return statuses is None or exchange.status in ([statuses] if isinstance(statuses, int) else statuses)


def _error(code: str, message: str) -> bytes:
    return json.dumps({"errors": [{"code": code, "message": message}]}).encode()


def _break_request(exchange: Exchange, then: dict) -> None:
    drop = {name.lower() for name in then.get("drop_request_headers", ())}
    exchange.headers = {k: v for k, v in exchange.headers.items() if k.lower() not in drop}
    if then.get("drop_request_body"):
        exchange.body = b""


def _break_answer(exchange: Exchange, then: dict) -> None:
    """The response changes of `then`, in a fixed order."""
    if "status" in then:
        exchange.status = then["status"]
    drop = {name.lower() for name in then.get("drop_headers", ())}
    exchange.out = {k: v for k, v in exchange.out.items() if k.lower() not in drop}
    for name, value in (then.get("set_headers") or {}).items():
        exchange.out = {k: v for k, v in exchange.out.items() if k.lower() != name.lower()}
        exchange.out[name] = str(value)
    for name, suffix in (then.get("append_to_headers") or {}).items():
        exchange.out = {k: (v + suffix if k.lower() == name.lower() else v) for k, v in exchange.out.items()}
    repeat = then.get("repeat_header")
    if repeat:
        exchange.extra += [(repeat["name"], repeat["value"])] * int(repeat["times"])
    if "body" in then:
        exchange.data = then["body"].encode()
    if then.get("reformat_json") and exchange.data:
        exchange.data = json.dumps(json.loads(exchange.data), separators=(",", ":")).encode()
    if then.get("flip_first_byte") and exchange.data:
        exchange.data = bytes([exchange.data[0] ^ 0xFF]) + exchange.data[1:]
    if "error_code" in then and exchange.data.startswith(b"{"):
        document = json.loads(exchange.data)
        for entry in document.get("errors") or []:
            entry["code"] = then["error_code"]
        exchange.data = json.dumps(document).encode()


def load_faults(names: list[str]) -> list[Fault]:
    known = {entry["id"]: entry for entry in yaml.safe_load(FAULTS_FILE.read_text())["faults"]}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"unknown faults: {', '.join(unknown)} (faults.yaml has {', '.join(known)})")
    return [Fault(name, known[name].get("when") or {}, known[name]["then"]) for name in names]


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = urlsplit("http://127.0.0.1:1")
    faults: list[Fault] = []
    state = State()

    def log_message(self, *args: object) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        path, _, query = self.path.partition("?")
        exchange = Exchange(
            self.command,
            path,
            query,
            {k: v for k, v in self.headers.items() if k.lower() not in _HOP},
            self.rfile.read(length) if length else b"",
        )
        active = [fault for fault in self.faults if fault.wants(exchange, self.state)]
        answered = next((f for f in active if "answer" in f.then), None)
        if answered is not None:
            answer = answered.then["answer"]
            exchange.status = answer["status"]
            exchange.out = {"Content-Type": answer.get("content_type", "application/json")}
            exchange.data = answer.get("body", "").encode()
        else:
            for fault in active:
                _break_request(exchange, fault.then)
            if any(f.then.get("emulate") == "single-post" for f in active):
                self._single_post(exchange)
            else:
                self._forward(exchange)
            for fault in active:
                if fault.answers(exchange):
                    _break_answer(exchange, fault.then)
        if exchange.method == "GET" and "/manifests/" in path and exchange.status == 200:
            with self.state.lock:
                self.state.fetched.add(exchange.repository or "")
        self._reply(exchange)

    def _send(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection(
            self.upstream.hostname, self.upstream.port, timeout=UPSTREAM_TIMEOUT
        )
        try:
            connection.request(method, target, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def _forward(self, exchange: Exchange) -> None:
        target = exchange.path + (f"?{exchange.query}" if exchange.query else "")
        exchange.status, exchange.out, exchange.data = self._send(
            exchange.method, target, exchange.headers, exchange.body
        )

    def _single_post(self, exchange: Exchange) -> None:
        """A single-POST upload (POST ?digest= with the blob) done upstream as POST, then PUT."""
        headers = {k: v for k, v in exchange.headers.items() if k.lower() != "content-type"}
        status, out, data = self._send("POST", exchange.path, headers, b"")
        location = next((v for k, v in out.items() if k.lower() == "location"), "")
        if status != 202 or not location:
            exchange.status, exchange.out, exchange.data = status, out, data
            return
        split = urlsplit(location)
        query = "&".join(part for part in (split.query, exchange.query) if part)
        target = f"{split.path}?{query}"
        put_headers = {**headers, "Content-Type": "application/octet-stream"}
        exchange.status, exchange.out, exchange.data = self._send("PUT", target, put_headers, exchange.body)

    def _reply(self, exchange: Exchange) -> None:
        self.send_response(exchange.status)
        given_length = None
        for key, value in exchange.out.items():
            if key.lower() == "content-length":
                given_length = value
            elif key.lower() not in _HOP:
                self.send_header(key, value)
        for key, value in exchange.extra:
            self.send_header(key, value)
        if exchange.method == "HEAD":
            # A HEAD answer carries the length of what a GET would return, not of its empty body.
            self.send_header("Content-Length", given_length or "0")
        else:
            self.send_header("Content-Length", str(len(exchange.data)))
        self.end_headers()
        if exchange.method != "HEAD":
            self.wfile.write(exchange.data)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _handle


def main() -> None:
    Proxy.upstream = urlsplit(sys.argv[1])
    Proxy.faults = load_faults([name for name in sys.argv[2].split(",") if name])
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    port_file = Path(sys.argv[3])
    port_file.with_suffix(".tmp").write_text(str(server.server_address[1]))
    port_file.with_suffix(".tmp").replace(port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
