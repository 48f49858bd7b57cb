"""OCI conformance and certification suite."""

__version__ = "0.1.0"

#: The runtime-spec version the catalog and tests are derived from.
RUNTIME_SPEC_VERSION = "v1.3.0"
