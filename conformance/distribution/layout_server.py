"""A read-only distribution-API server of OCI image layouts: a test instrument, not a registry.

It serves each layout's files *as stored*: a blob's bytes are whatever the layout holds under
its name, Docker-Content-Digest is the digest the request or index.json names, Content-Length is
the real length. So it can serve the broken layouts of the fault catalog (wrong digests, wrong
sizes, missing blobs) that a real registry refuses to store, and an engine pulling from it must
do its own verification.

Routes (distribution-spec "Pulling"): ``GET/HEAD /v2/``, ``/v2/<name>/manifests/<tag|digest>``,
``/v2/<name>/blobs/<digest>``. A tag is looked up in the layout's index.json by the
``org.opencontainers.image.ref.name`` annotation. Bound to 127.0.0.1 on an ephemeral port.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from conformance.core.errors import ConfigurationError

REF_NAME = "org.opencontainers.image.ref.name"
MANIFEST_OCI = "application/vnd.oci.image.manifest.v1+json"
#: Repository names (distribution-spec's <name> grammar) and references a route accepts.
NAME_RE = re.compile(r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$")
TAG_RE = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$")
#: Loose on purpose (uppercase hex, other algorithms) so broken digests reach the engine; no "/".
DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
ROUTE_RE = re.compile(r"^/v2/(?P<name>.+)/(?P<kind>manifests|blobs)/(?P<reference>[^/]+)$")
CHUNK = 1 << 16


@dataclass(frozen=True)
class Served:
    """One request the server answered (for evidence in failure messages and tests)."""

    method: str
    path: str
    status: int


@dataclass
class _Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    file: Path | None = None


def _error(status: int, code: str, message: str) -> _Answer:
    body = json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()
    return _Answer(status, {"Content-Type": "application/json"}, body=body)


def _blob_file(layout: Path, digest: str) -> Path | None:
    algorithm, encoded = digest.split(":", 1)
    path = layout / "blobs" / algorithm / encoded
    return path if path.is_file() else None


def _descriptors(layout: Path) -> list[dict[str, Any]]:
    try:
        index = json.loads((layout / "index.json").read_bytes())
    except (OSError, ValueError):
        return []
    manifests = index.get("manifests") if isinstance(index, dict) else None
    return [d for d in manifests or [] if isinstance(d, dict)]


def _media_type_of(layout: Path, digest: str, path: Path) -> str:
    """The mediaType the layout gives a manifest: its index.json descriptor's, else its own field."""
    for descriptor in _descriptors(layout):
        if descriptor.get("digest") == digest and isinstance(descriptor.get("mediaType"), str):
            return descriptor["mediaType"]
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return MANIFEST_OCI
    value = document.get("mediaType") if isinstance(document, dict) else None
    return value if isinstance(value, str) else MANIFEST_OCI


class LayoutServer:
    """Serves registered layouts under repository names until closed (also a context manager)."""

    def __init__(self, host: str = "127.0.0.1", *, timeout: float = 30.0) -> None:
        self._layouts: dict[str, Path] = {}
        self._lock = threading.Lock()
        self.log: list[Served] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                self.timeout = timeout  # socket timeout: a stalled client cannot hold a thread
                super().setup()

            def do_GET(self) -> None:
                self._answer(head=False)

            def do_HEAD(self) -> None:
                self._answer(head=True)

            def _answer(self, *, head: bool) -> None:
                answer = server.answer(self.path.split("?", 1)[0])
                length = answer.file.stat().st_size if answer.file else len(answer.body or b"")
                self.send_response(answer.status)
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                with server._lock:
                    server.log.append(Served(self.command, self.path, answer.status))
                if head:
                    return
                if answer.file is not None:
                    with open(answer.file, "rb") as handle:
                        while chunk := handle.read(CHUNK):
                            self.wfile.write(chunk)
                elif answer.body:
                    self.wfile.write(answer.body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: requests are kept in `server.log` instead."""

        self._httpd = ThreadingHTTPServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="layout-server", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        """host:port, the registry part of an image reference."""
        host, port = self._httpd.server_address[:2]
        return f"{host}:{port}"

    def add(self, name: str, layout: Path) -> str:
        """Serve `layout` as repository `name`; returns the reference prefix `host:port/name`."""
        if not NAME_RE.match(name):
            raise ConfigurationError(f"repository name {name!r} is not a valid distribution <name>")
        if not layout.is_dir():
            raise ConfigurationError(f"image layout {str(layout)!r} is not a directory")
        with self._lock:
            self._layouts[name] = layout
        return f"{self.address}/{name}"

    def remove(self, name: str) -> None:
        with self._lock:
            self._layouts.pop(name, None)

    def requests(self, name: str) -> list[Served]:
        with self._lock:
            return [entry for entry in self.log if entry.path.startswith(f"/v2/{name}/")]

    def answer(self, path: str) -> _Answer:
        """The response to a GET of `path` (HEAD drops the body)."""
        if path in ("/v2", "/v2/"):
            return _Answer(200, {"Content-Type": "application/json"}, body=b"{}")
        route = ROUTE_RE.match(path)
        if route is None:
            return _error(404, "UNSUPPORTED", f"no route for {path}")
        name, kind, reference = route.group("name", "kind", "reference")
        with self._lock:
            layout = self._layouts.get(name)
        if layout is None:
            return _error(404, "NAME_UNKNOWN", f"repository {name} is not served")
        if kind == "blobs":
            return self._blob(layout, reference)
        return self._manifest(layout, reference)

    def _blob(self, layout: Path, digest: str) -> _Answer:
        if not DIGEST_RE.match(digest):
            return _error(400, "DIGEST_INVALID", f"not a digest: {digest}")
        path = _blob_file(layout, digest)
        if path is None:
            return _error(404, "BLOB_UNKNOWN", f"blob {digest} is not in the layout")
        return _Answer(
            200, {"Content-Type": "application/octet-stream", "Docker-Content-Digest": digest}, file=path
        )

    def _manifest(self, layout: Path, reference: str) -> _Answer:
        if DIGEST_RE.match(reference):
            digest = reference
        elif TAG_RE.match(reference):
            found = [
                d for d in _descriptors(layout) if (d.get("annotations") or {}).get(REF_NAME) == reference
            ]
            if (
                not found
                or not isinstance(found[0].get("digest"), str)
                or not DIGEST_RE.match(found[0]["digest"])
            ):
                return _error(404, "MANIFEST_UNKNOWN", f"tag {reference} is not in index.json")
            digest = found[0]["digest"]
        else:
            return _error(400, "TAG_INVALID", f"not a tag or digest: {reference}")
        path = _blob_file(layout, digest)
        if path is None:
            return _error(404, "MANIFEST_UNKNOWN", f"manifest {digest} is not in the layout")
        headers = {"Content-Type": _media_type_of(layout, digest, path), "Docker-Content-Digest": digest}
        return _Answer(200, headers, file=path)

    def close(self, timeout: float = 10.0) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout)

    def __enter__(self) -> LayoutServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._layouts))
