"""runc, the reference implementation."""

from conformance.adapters.runtime.base import Runtime


class RuncRuntime(Runtime):
    name = "runc"
    version_pattern = r"^runc version"
