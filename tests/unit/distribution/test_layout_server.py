"""The layout server serves layouts as stored, over the distribution API, without an engine."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conformance.core.errors import ConfigurationError
from conformance.distribution.layout_server import LayoutServer
from conformance.image.generator import write_layout

LAYERS = [
    {"entries": [{"path": "etc", "type": "dir"}, {"path": "etc/hello", "type": "file", "content": "hi\n"}]}
]


def _get(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def server():
    with LayoutServer() as running:
        yield running


def test_version_check_and_tag_and_blobs(server: LayoutServer, tmp_path: Path) -> None:
    info = write_layout({"layers": LAYERS}, tmp_path / "layout")
    base = f"http://{server.add('test/image', tmp_path / 'layout')}".replace("/test/image", "")
    assert _get(f"{base}/v2/")[0] == 200
    status, headers, body = _get(f"{base}/v2/test/image/manifests/latest")
    assert status == 200
    assert headers["Docker-Content-Digest"] == info.image.digest
    assert headers["Content-Type"] == "application/vnd.oci.image.manifest.v1+json"
    assert int(headers["Content-Length"]) == len(body) == info.image.size
    layer = json.loads(body)["layers"][0]["digest"]
    status, headers, body = _get(f"{base}/v2/test/image/blobs/{layer}")
    assert (status, headers["Docker-Content-Digest"]) == (200, layer)
    assert "sha256:" + hashlib.sha256(body).hexdigest() == layer
    status, headers, body = _get(f"{base}/v2/test/image/manifests/{info.image.digest}", "HEAD")
    assert (status, body, int(headers["Content-Length"])) == (200, b"", info.image.size)
    assert [entry.status for entry in server.requests("test/image")] == [200, 200, 200]


def test_broken_layouts_are_served_as_stored(server: LayoutServer, tmp_path: Path) -> None:
    write_layout({"layers": LAYERS, "faults": ["config.reencoded"]}, tmp_path / "layout")
    base = f"http://{server.add('broken', tmp_path / 'layout')}".removesuffix("/broken")
    manifest = json.loads(_get(f"{base}/v2/broken/manifests/latest")[2])
    config = manifest["config"]["digest"]
    status, headers, body = _get(f"{base}/v2/broken/blobs/{config}")
    assert status == 200 and headers["Docker-Content-Digest"] == config
    assert "sha256:" + hashlib.sha256(body).hexdigest() != config  # the wrong bytes, as stored


def test_unknown_names_tags_and_blobs_are_404(server: LayoutServer, tmp_path: Path) -> None:
    write_layout({"layers": LAYERS, "faults": ["layer.missing-blob"]}, tmp_path / "layout")
    base = f"http://{server.add('x', tmp_path / 'layout')}".removesuffix("/x")
    manifest = json.loads(_get(f"{base}/v2/x/manifests/latest")[2])
    assert _get(f"{base}/v2/x/blobs/{manifest['layers'][0]['digest']}")[0] == 404
    assert _get(f"{base}/v2/x/manifests/nope")[0] == 404
    assert _get(f"{base}/v2/other/manifests/latest")[0] == 404
    assert _get(f"{base}/v2/x/blobs/not-a-digest")[0] == 400
    assert json.loads(_get(f"{base}/v2/x/manifests/nope")[2])["errors"][0]["code"] == "MANIFEST_UNKNOWN"


def test_bad_input_names_the_value(server: LayoutServer, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="'Bad Name'"):
        server.add("Bad Name", tmp_path)
    with pytest.raises(ConfigurationError, match="is not a directory"):
        server.add("ok", tmp_path / "missing")
