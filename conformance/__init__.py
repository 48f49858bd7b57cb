"""OCI conformance and certification suite."""

__version__ = "0.1.0"

#: The runtime-spec version the catalog and tests are derived from.
RUNTIME_SPEC_VERSION = "v1.3.0"
#: The image-spec version of the image catalog and suite.
IMAGE_SPEC_VERSION = "v1.1.1"
#: The distribution-spec version of the registry catalog and suite.
DISTRIBUTION_SPEC_VERSION = "v1.1.1"
SPEC_VERSIONS = {
    "runtime-spec": RUNTIME_SPEC_VERSION,
    "image-spec": IMAGE_SPEC_VERSION,
    "distribution-spec": DISTRIBUTION_SPEC_VERSION,
}
