"""One repository of the suite's namespace: pushes that check the basics and remember what to delete.

Everything pushed is recorded in a Ledger; `Ledger.clean` deletes manifests by digest, then blobs,
and is called at each test's teardown and again, for anything left, when the session closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.core.asserts import check
from conformance.registry.client import ProtocolError, RegistryClient, Response
from conformance.registry.content import Manifest, digest

#: Status codes a DELETE of something already gone or not deletable may get; not a cleanup failure.
_GONE_OR_REFUSED = (202, 400, 404, 405)


@dataclass
class Ledger:
    """What the suite pushed, by repository: manifests and blobs by digest, in push order."""

    manifests: dict[tuple[str, str], None] = field(default_factory=dict)
    blobs: dict[tuple[str, str], None] = field(default_factory=dict)

    def clean(self, client: RegistryClient) -> list[str]:
        """Delete everything recorded; returns what the registry refused or failed to delete."""
        problems = []
        for kind, items in (("manifests", self.manifests), ("blobs", self.blobs)):
            for repo, ref in list(reversed(items)):
                try:
                    response = client.request("DELETE", f"/v2/{repo}/{kind}/{ref}")
                    status = response.status
                except ProtocolError as exc:
                    status, problems = None, [*problems, f"{repo} {ref}: {exc}"]
                if status not in _GONE_OR_REFUSED:
                    problems.append(f"DELETE /v2/{repo}/{kind}/{ref}: {status}")
                items.pop((repo, ref), None)
        return problems


@dataclass
class Repository:
    """A repository name below the namespace, with the client and the ledger of one test."""

    client: RegistryClient
    name: str
    ledger: Ledger

    def path(self, *parts: str) -> str:
        return "/".join([f"/v2/{self.name}", *parts])

    def start_upload(self, **params: str) -> Response:
        """POST /blobs/uploads/ (with query parameters, e.g. mount and from)."""
        return self.client.request(
            "POST", self.path("blobs", "uploads", ""), params=params or None, headers={"Content-Length": "0"}
        )

    def upload_url(self, response: Response, requirement: str = "distribution.push.post-202-location") -> str:
        location = response.header("Location")
        check(
            requirement,
            response.status == 202 and bool(location),
            f"POST {response.url}: 202 with a Location header",
            "202 and Location",
            f"{response.status}, Location {location!r}",
        )
        return self.client.url(location or "")

    def push_blob(self, data: bytes) -> Response:
        """POST then PUT ?digest=; checks 201 and records the blob."""
        url = self.upload_url(self.start_upload())
        response = self.client.request(
            "PUT",
            url,
            params={"digest": digest(data)},
            data=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        check(
            "distribution.push.put-201-location",
            response.status == 201,
            f"PUT {response.url}: a monolithic upload completes with 201",
            201,
            response.status,
        )
        self.ledger.blobs[(self.name, digest(data))] = None
        return response

    def put_manifest(self, reference: str, manifest: Manifest, content_type: str | None = None) -> Response:
        """PUT a manifest (no checks); a 201 is recorded for deletion."""
        response = self.client.request(
            "PUT",
            self.path("manifests", reference),
            data=manifest.body,
            headers={"Content-Type": content_type or manifest.media_type},
        )
        if response.status == 201:
            self.ledger.manifests[(self.name, manifest.digest)] = None
        return response

    def push(self, manifest: Manifest, reference: str | None = None) -> Response:
        """Push a manifest's blobs, then the manifest (by digest unless a tag is given); checks 201."""
        for blob in manifest.blobs:
            self.push_blob(blob)
        response = self.put_manifest(reference or manifest.digest, manifest)
        check(
            "distribution.push.manifest-201-location",
            response.status == 201,
            f"PUT {response.url}: manifest accepted with 201",
            201,
            f"{response.status} {response.body[:200]!r}",
        )
        return response

    def get(self, kind: str, reference: str, method: str = "GET", accept: str | None = None) -> Response:
        """GET or HEAD a manifest or blob (`kind` is "manifests" or "blobs")."""
        headers = {"Accept": accept} if accept else None
        return self.client.request(method, self.path(kind, reference), headers=headers)
