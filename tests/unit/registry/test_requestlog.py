"""The request log: every request of a client, with its body, as one JSON line (and its replay)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conformance.registry.client import RegistryClient, Stream
from conformance.registry.requestlog import RequestLog


class _Registry(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(202 if self.command == "POST" else 201)
        if self.command == "POST":
            self.send_header("Location", "/v2/a/blobs/uploads/new-session?_state=s2")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = _answer


@pytest.fixture
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_every_request_is_logged_with_its_body(tmp_path: Path, base_url: str) -> None:
    log = RequestLog(tmp_path / "requests.jsonl")
    client = RegistryClient(base_url, log=log)
    try:
        client.request("POST", "/v2/a/blobs/uploads/", headers={"Authorization": "Basic eA=="})
        client.request("PUT", "/v2/a/blobs/uploads/x", params={"digest": "sha256:1"}, data=b"small")
        client.request("PUT", "/v2/a/blobs/uploads/y", data=Stream(iter([b"a" * 10, b"b" * 5]), 15))
    finally:
        client.close()
    entries = [json.loads(line) for line in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert [(e["method"], e["url"], e["status"]) for e in entries] == [
        ("POST", "/v2/a/blobs/uploads/", 202),
        ("PUT", "/v2/a/blobs/uploads/x?digest=sha256%3A1", 201),
        ("PUT", "/v2/a/blobs/uploads/y", 201),
    ]
    assert entries[0]["headers"] == {} and entries[0]["location"].endswith("new-session?_state=s2")
    bodies = tmp_path / "requests.jsonl.bodies"
    assert entries[1]["body"] == hashlib.sha256(b"small").hexdigest()
    assert (bodies / entries[2]["body"]).read_bytes() == b"a" * 10 + b"b" * 5
    assert not list(bodies.glob(".part-*"))


def test_the_replay_uses_the_new_upload_location() -> None:
    from benchmarks.registry_requests import _rewrite

    locations = {"/v2/a/blobs/uploads/old": ("/v2/a/blobs/uploads/new", [("_state", "s2")])}
    rewritten = _rewrite("/v2/a/blobs/uploads/old?_state=s1&digest=sha256%3A1", locations)
    assert rewritten == "/v2/a/blobs/uploads/new?_state=s2&digest=sha256%3A1"
    assert _rewrite("/v2/a/manifests/v1", locations) == "/v2/a/manifests/v1"
