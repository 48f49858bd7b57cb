"""runsc (gVisor): a sandbox kernel; it cannot attach a network to the host's namespace."""

from conformance.runtime.drivers.cli import CommandLineRuntime


class RunscRuntime(CommandLineRuntime):
    name = "runsc"
    version_pattern = r"^runsc version"
    #: Without a prepared network namespace runsc refuses to start; `none` keeps loopback only.
    profile_args = ("--network=none",)
    host_visible_process = False

    def notes(self) -> list[str]:
        return ["runsc runs with --network=none (the suite prepares no network namespace)"]
