"""runc, the reference implementation."""

from conformance.runtime.drivers.cli import CommandLineRuntime


class RuncRuntime(CommandLineRuntime):
    name = "runc"
    version_pattern = r"^runc version"
