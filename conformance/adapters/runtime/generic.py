"""Any runtime with a runc-style command line and no known quirks."""

from conformance.adapters.runtime.base import Runtime


class GenericRuntime(Runtime):
    """Assumes only the OCI operations; `list` and `--root` are tried, not required."""

    name = "generic"
