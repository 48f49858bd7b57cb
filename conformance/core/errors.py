"""Errors the suite reports to its user as one clear message, never a traceback."""


class ConformanceError(Exception):
    """Base of every error caused by the user's input or environment."""


class ConfigurationError(ConformanceError):
    """A setting (option, env variable, ini value) is missing or wrong."""


class SubjectNotUsable(ConfigurationError):
    """The subject under test (a runtime, an image tool, ...) cannot be used at all."""


class DataFileError(ConformanceError):
    """A YAML/JSON data file (catalog, matrix, expectations) is broken.

    The message names the file and, where known, the line.
    """

    def __init__(self, path: object, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


class ProbeError(ConformanceError):
    """The probe's output could not be parsed."""


class RuntimeOutputError(ConformanceError):
    """The runtime printed something that is not what the spec describes (e.g. non-JSON state)."""
