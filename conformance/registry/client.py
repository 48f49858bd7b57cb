"""A small HTTP client for the distribution API that records every exchange for the failure text.

Every request has a timeout; every response body is read up to a bound; every loop over pages
is bounded by a count. Basic authentication is answered when the registry asks for it (a 401
with a Basic challenge), then sent ahead with every later request.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from conformance.registry.requestlog import RequestLog, TeeBody

#: Bodies the suite reads into memory (manifests, tag lists, error bodies) are at most this big.
MAX_DOCUMENT = 16 << 20
#: Pages a paginated list may have before the suite calls the pagination endless.
MAX_PAGES = 200
#: Exchanges kept per client (the oldest are dropped; the failure text shows the latest).
MAX_TRANSCRIPT = 400
#: Response headers worth showing in a transcript.
SHOWN_HEADERS = (
    "location",
    "docker-content-digest",
    "content-type",
    "content-length",
    "content-range",
    "range",
    "link",
    "oci-subject",
    "oci-filters-applied",
    "oci-chunk-min-length",
    "www-authenticate",
    "warning",
)
_CHALLENGE = re.compile(r"^\s*(\w+)\s*(.*)$")


class ProtocolError(AssertionError):
    """The registry answered with something the suite cannot read as the spec says (one URL, one field).

    An AssertionError: a hostile or broken answer fails the test that asked, naming the place.
    """


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as a transcript line shows them."""

    method: str
    url: str
    status: int | None
    request_headers: dict[str, str]
    response_headers: dict[str, str]
    sent: int
    received: str
    elapsed: float

    def render(self) -> str:
        shown = {k: v for k, v in self.request_headers.items() if k.lower() != "authorization"}
        lines = [f"> {self.method} {self.url} {json.dumps(shown) if shown else ''}".rstrip()]
        if self.sent:
            lines.append(f">   ({self.sent} bytes sent)")
        status = self.status if self.status is not None else "no response"
        got = {k: v for k, v in self.response_headers.items() if k.lower() in SHOWN_HEADERS}
        lines.append(f"< {status} {json.dumps(got)} ({self.elapsed * 1000:.0f} ms)")
        if self.received:
            lines.append(f"<   {self.received}")
        return "\n".join(lines)


@dataclass
class Response:
    """A response with its body read (bounded) unless it was streamed."""

    method: str
    url: str
    status: int
    headers: requests.structures.CaseInsensitiveDict
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self, what: str = "body") -> Any:
        """The body as JSON, or a ProtocolError naming the URL and what was expected."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            preview = self.body[:120]
            raise ProtocolError(
                f"{self.method} {self.url}: {what} is not JSON ({exc}); starts with {preview!r}"
            ) from None


@dataclass
class Credentials:
    user: str
    password: str


@dataclass
class RegistryClient:
    """Requests against one registry base URL (`http://host:port`), with a shared transcript."""

    base_url: str
    credentials: Credentials | None = None
    verify: bool | str = True
    timeout: float = 30.0
    transcript: list[Exchange] = field(default_factory=list)
    #: Requests made since the client was created (for the benchmark and the summary).
    count: int = 0
    #: Where every request is also logged (--registry-request-log), if anywhere.
    log: RequestLog | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._http = requests.Session()
        self._http.verify = self.verify
        self._basic = False

    def close(self) -> None:
        self._http.close()

    def url(self, path_or_url: str) -> str:
        """An absolute URL: absolute ones unchanged, paths (relative Locations too) on the base."""
        return urljoin(self.base_url + "/", path_or_url)

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        headers: dict[str, str] | None = None,
        data: bytes | Iterable[bytes] | None = None,
        params: dict[str, str] | list[tuple[str, str]] | None = None,
        limit: int = MAX_DOCUMENT,
        follow: bool = True,
    ) -> Response:
        """One request (retried once with credentials after a Basic challenge); body read up to `limit`."""
        response = self._send(method, path_or_url, headers, data, params, limit, follow)
        if response.status == 401 and self.credentials and not self._basic:
            scheme, _ = _challenge(response.header("WWW-Authenticate") or "")
            if scheme == "basic":
                self._basic = True
                self._http.auth = (self.credentials.user, self.credentials.password)
                if data is None or isinstance(data, bytes):
                    response = self._send(method, path_or_url, headers, data, params, limit, follow)
            elif scheme == "bearer":
                raise ProtocolError(
                    f"{method} {response.url}: the registry asks for bearer tokens "
                    "(WWW-Authenticate: Bearer); this suite speaks only Basic authentication so far"
                )
        return response

    def _send(
        self,
        method: str,
        path_or_url: str,
        headers: dict[str, str] | None,
        data: bytes | Iterable[bytes] | None,
        params: dict[str, str] | list[tuple[str, str]] | None,
        limit: int,
        follow: bool,
    ) -> Response:
        url = self.url(path_or_url)
        started = time.monotonic()
        self.count += 1
        sent = len(data) if isinstance(data, bytes) else 0
        tee = None
        if self.log is not None and data is not None and not isinstance(data, bytes):
            tee = self.log.tee(data)
            data = Stream(tee, data.length) if isinstance(data, Stream) else tee
        counted = _Counter(data) if data is not None and not isinstance(data, bytes) else None
        try:
            raw = self._http.request(
                method,
                url,
                headers=headers,
                data=counted if counted is not None else data,
                params=params,
                timeout=self.timeout,
                stream=True,
                allow_redirects=follow,
            )
        except requests.RequestException as exc:
            self._log(method, url, headers, data, tee, None, None, started)
            self._record(method, url, None, headers, {}, sent, f"{type(exc).__name__}: {exc}", started)
            raise ProtocolError(f"{method} {url}: no response: {type(exc).__name__}: {exc}") from None
        if counted is not None:
            sent = counted.total
        try:
            body = _read_bounded(raw, limit, method, raw.url)
        finally:
            raw.close()
        first = raw.history[0].request if raw.history else raw.request
        self._log(method, first.url or url, headers, data, tee, raw.status_code, raw.headers, started)
        shown = _preview(body, raw.headers.get("Content-Type", ""))
        self._record(method, raw.url, raw.status_code, headers, dict(raw.headers), sent, shown, started)
        return Response(method, raw.url, raw.status_code, raw.headers, body)

    def _log(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None,
        data: object,
        tee: TeeBody | None,
        status: int | None,
        response_headers: Any,
        started: float,
    ) -> None:
        if self.log is None:
            return
        body = self.log.body(data) if isinstance(data, bytes) else (tee.name if tee else None)
        relative = url[len(self.base_url) :] if url.startswith(self.base_url + "/") else url
        self.log.record(
            {
                "time": time.time(),
                "method": method,
                "url": relative,
                "headers": {k: v for k, v in (headers or {}).items() if k.lower() != "authorization"},
                "body": body,
                "status": status,
                "location": response_headers.get("Location") if response_headers is not None else None,
                "elapsed": time.monotonic() - started,
            }
        )

    def _record(
        self,
        method: str,
        url: str,
        status: int | None,
        headers: dict[str, str] | None,
        response_headers: dict[str, str],
        sent: int,
        received: str,
        started: float,
    ) -> None:
        exchange = Exchange(
            method,
            url,
            status,
            dict(headers or {}),
            response_headers,
            sent,
            received,
            time.monotonic() - started,
        )
        self.transcript.append(exchange)
        if len(self.transcript) > MAX_TRANSCRIPT:
            del self.transcript[: len(self.transcript) - MAX_TRANSCRIPT]

    def render_transcript(self, since: int = 0) -> str:
        return "\n".join(exchange.render() for exchange in self.transcript[since:])

    def pages(self, path: str, params: dict[str, str] | None = None) -> Iterator[Response]:
        """A list and the pages its `Link: <...>; rel="next"` headers lead to, at most MAX_PAGES."""
        response = self.request("GET", path, params=params)
        seen = {response.url}
        for _ in range(MAX_PAGES):
            yield response
            target = next_link(response)
            if target is None:
                return
            absolute = urljoin(response.url, target)
            if absolute in seen:
                raise ProtocolError(f"GET {response.url}: Link header leads back to {absolute} (a cycle)")
            seen.add(absolute)
            response = self.request("GET", absolute)
        raise ProtocolError(f"GET {self.url(path)}: Link headers go on beyond {MAX_PAGES} pages")


@dataclass
class Stream:
    """A body streamed from chunks, with its length known up front (sent as Content-Length)."""

    chunks: Iterable[bytes]
    length: int

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    def __len__(self) -> int:
        return self.length


class _Counter:
    """Wraps a streamed body to count the bytes sent (keeping a Stream's length)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = chunks
        self.total = 0
        if isinstance(chunks, Stream):
            self.len = chunks.length

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.total += len(chunk)
            yield chunk


def _read_bounded(raw: requests.Response, limit: int, method: str, url: str) -> bytes:
    if method == "HEAD":
        return b""
    parts = []
    total = 0
    for chunk in raw.iter_content(1 << 16):
        total += len(chunk)
        if total > limit:
            raise ProtocolError(f"{method} {url}: body exceeds {limit} bytes; the suite stops reading")
        parts.append(chunk)
    return b"".join(parts)


def _preview(body: bytes, content_type: str) -> str:
    if not body:
        return ""
    if "json" in content_type or "text" in content_type or body[:1] in (b"{", b"["):
        text = body[:300].decode("utf-8", errors="replace")
        return text + ("..." if len(body) > 300 else "")
    return f"({len(body)} bytes)"


def _challenge(header: str) -> tuple[str, str]:
    match = _CHALLENGE.match(header)
    return (match.group(1).lower(), match.group(2)) if match else ("", "")


_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")


def parse_link(header: str) -> list[tuple[str, dict[str, str]]]:
    """RFC 5988 Link header values as (target, parameters), parameters with quotes removed."""
    result = []
    for match in _LINK.finditer(header):
        params = {}
        for part in match.group(2).split(";"):
            if "=" in part:
                key, _, value = part.partition("=")
                params[key.strip().lower()] = value.strip().strip('"')
        result.append((match.group(1), params))
    return result


def next_link(response: Response) -> str | None:
    """The rel="next" target of a response's Link header; a ProtocolError if the header is malformed."""
    header = response.header("Link")
    if not header:
        return None
    links = parse_link(header)
    targets = [target for target, params in links if "next" in params.get("rel", "").split()]
    if not links or not targets:
        raise ProtocolError(
            f'GET {response.url}: Link header {header!r} has no RFC 5988 link with rel="next"'
        )
    return targets[0]


def same_origin(a: str, b: str) -> bool:
    one, two = urlsplit(a), urlsplit(b)
    return (one.scheme, one.netloc) == (two.scheme, two.netloc)
