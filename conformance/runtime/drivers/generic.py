"""Any runtime with a runc-style command line and no known quirks."""

from conformance.runtime.drivers.cli import CommandLineRuntime


class GenericRuntime(CommandLineRuntime):
    """Assumes only the OCI operations; `list` and `--root` are tried, not required."""

    name = "generic"
