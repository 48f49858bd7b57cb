"""skopeo: copies images between OCI layouts, oci-archives and dir: directories (and verifies
what it reads).

Transports offered as copies: ``oci:``, ``oci-archive:`` and ``dir:`` (manifest and blobs stored
by digest, as read). ``docker-archive:`` is left out on purpose: writing one converts the image to
Docker schema 2 (other media types, a rewritten manifest and config), so every document digest
changes; that is a conversion, not a copy, and considerations.md's rule for copies cannot apply.
"""

from __future__ import annotations

from conformance.core.result import CommandResult
from conformance.image.tools.base import ImageTool


class SkopeoTool(ImageTool):
    name = "skopeo"
    executable = "skopeo"
    roles = frozenset({"copier"})
    transports = ("oci", "oci-archive", "dir")
    private_state = True

    def copy(self, source: str, destination: str) -> CommandResult:
        # --insecure-policy: the suite copies its own local vectors; no signature policy applies.
        # --preserve-digests: a copier must not recompress or rewrite what it copies.
        # --all: what the reference names is copied whole, an index with every image it lists.
        return self.run(
            "--insecure-policy", "copy", "--quiet", "--all", "--preserve-digests", source, destination
        )
