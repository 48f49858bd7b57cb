"""skopeo: copies images between OCI layouts and oci-archives (and verifies what it reads)."""

from __future__ import annotations

from conformance.core.result import CommandResult
from conformance.image.tools.base import ImageTool


class SkopeoTool(ImageTool):
    name = "skopeo"
    executable = "skopeo"
    roles = frozenset({"copier"})

    def copy(self, source: str, destination: str) -> CommandResult:
        # --insecure-policy: the suite copies its own local vectors; no signature policy applies.
        # --preserve-digests: a copier must not recompress or rewrite what it copies.
        return self.run("--insecure-policy", "copy", "--quiet", "--preserve-digests", source, destination)
