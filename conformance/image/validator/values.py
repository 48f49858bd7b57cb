"""Checks of single values: pre-defined annotation formats and platform fields (os, architecture,
variant, os.features).

Each function returns a list of (code, message) for one value; validate_documents decides where
the value sits and reports them. Nothing here reads files, so every check is cheap.
"""

from __future__ import annotations

import datetime
import re

from conformance.image.digest import DigestError, parse_digest

ANNOTATION = "org.opencontainers.image."
CREATED = ANNOTATION + "created"
REF_NAME = ANNOTATION + "ref.name"
BASE_DIGEST = ANNOTATION + "base.digest"
BASE_NAME = ANNOTATION + "base.name"
LICENSES = ANNOTATION + "licenses"
#: Pre-defined keys whose value is a URL, and the finding code for a value that is not one.
URL_KEYS = {
    ANNOTATION + "url": "annotations.url-format",
    ANNOTATION + "documentation": "annotations.documentation-format",
    ANNOTATION + "source": "annotations.source-format",
}

#: RFC 3986 URI (absolute: the scheme is required), restricted to the characters it allows.
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
#: RFC 3339 section 5.6 date-time ("T" and "Z" in either case; a space for "T", which its note allows).
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))"
)
#: annotations.md: ref ::= component ("/" component)*, component ::= alphanum (separator alphanum)*.
_REF_COMPONENT = r"[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*"
REF_GRAMMAR = re.compile(rf"{_REF_COMPONENT}(?:/{_REF_COMPONENT})*")
REF_CHARSET = re.compile(r"[A-Za-z0-9\-._:@/+]*")
#: distribution/distribution reference.go (the commit annotations.md links): name [":" tag] ["@" digest].
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[_.]|__|[-]+)[a-z0-9]+)*"
_NAME = rf"(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*)"
REFERENCE = re.compile(
    rf"(?P<name>{_NAME})(?::(?P<tag>[\w][\w.-]{{0,127}}))?(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*"
    r"(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}))?",
    re.ASCII,
)
_NAME_MAX = 255
#: An SPDX license expression is made of these tokens (SPDX 2.3 annex D).
_SPDX_TOKEN = re.compile(r"\s*(?:(\()|(\))|([A-Za-z0-9.\-+:]+))")
_SPDX_ID = re.compile(r"(?:DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-[A-Za-z0-9.\-]+|[A-Za-z0-9.\-]+\+?")
_SPDX_OPERATORS = {"AND", "OR", "WITH"}

#: Go's known GOOS and GOARCH values (go/build/syslist.go), which config.md and image-index.md name.
GOOS = frozenset(
    {
        *("aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js"),
        *("linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"),
    }
)
GOARCH = frozenset(
    {
        *("386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips"),
        *("mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le"),
        *("riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm"),
    }
)
#: The Platform Variants table of image-index.md ("..." read as the series it starts).
VARIANTS = {
    "arm": re.compile(r"v[678]"),
    "arm64": re.compile(r"v[89](?:\.[0-9]+)?"),
    "ppc64le": re.compile(r"power[0-9]+"),
    "riscv64": re.compile(r"rva[0-9]{2}u64"),
    "amd64": re.compile(r"v[1-9][0-9]*"),
}
#: The Go setting each architecture's variant is the analog of, and that setting's values.
GO_ANALOGS = {
    "arm": ("GOARM", ("5", "6", "7")),
    "arm64": ("GOARM64", tuple(f"v8.{n}" for n in range(10)) + tuple(f"v9.{n}" for n in range(6))),
    "amd64": ("GOAMD64", ("v1", "v2", "v3", "v4")),
    "ppc64": ("GOPPC64", ("power8", "power9", "power10")),
    "ppc64le": ("GOPPC64", ("power8", "power9", "power10")),
    "riscv64": ("GORISCV64", ("rva20u64", "rva22u64", "rva23u64")),
    "386": ("GO386", ("sse2", "softfloat")),
    "mips": ("GOMIPS", ("hardfloat", "softfloat")),
    "mipsle": ("GOMIPS", ("hardfloat", "softfloat")),
    "mips64": ("GOMIPS64", ("hardfloat", "softfloat")),
    "mips64le": ("GOMIPS64", ("hardfloat", "softfloat")),
    "wasm": ("GOWASM", ("satconv", "signext")),
}
#: os.features values image-index.md lists for windows.
WINDOWS_FEATURES = frozenset({"win32k"})

Problems = list[tuple[str, str]]


# ------------------------------------------------------------------ annotations


def is_date_time(value: str) -> bool:
    """An RFC 3339 date-time whose fields are in range (a leap second :60 is allowed)."""
    match = _DATE_TIME.fullmatch(value)
    if not match:
        return False
    year, month, day, hour, minute, second, off_hour, off_minute = match.groups()
    try:
        datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), min(int(second), 59))
    except ValueError:
        return False
    if int(second) > 60:
        return False
    return off_hour is None or (int(off_hour) <= 23 and int(off_minute) <= 59)


def is_spdx_expression(value: str) -> bool:
    """The syntax of an SPDX license expression: ids, LicenseRefs, AND/OR/WITH, parentheses."""
    tokens: list[str] = []
    position = 0
    text = value.rstrip()
    while position < len(text):
        match = _SPDX_TOKEN.match(text, position)
        if not match or match.end() == position:
            return False
        tokens.append(match.group(1) or match.group(2) or match.group(3))
        position = match.end()
    parser = _SpdxParser(tokens)
    return bool(tokens) and parser.expression() and parser.position == len(tokens)


class _SpdxParser:
    """expression := and ("OR" and)*, and := with ("AND" with)*, with := primary ["WITH" id]."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def _peek_operator(self, name: str) -> bool:
        if self.position < len(self.tokens) and self.tokens[self.position] in (name, name.lower()):
            self.position += 1
            return True
        return False

    def expression(self) -> bool:
        if not self._and():
            return False
        while self._peek_operator("OR"):
            if not self._and():
                return False
        return True

    def _and(self) -> bool:
        if not self._with():
            return False
        while self._peek_operator("AND"):
            if not self._with():
                return False
        return True

    def _with(self) -> bool:
        if not self._primary():
            return False
        if self._peek_operator("WITH"):
            return self._identifier(exception=True)
        return True

    def _primary(self) -> bool:
        if self.position < len(self.tokens) and self.tokens[self.position] == "(":
            self.position += 1
            if not self.expression():
                return False
            if self.position < len(self.tokens) and self.tokens[self.position] == ")":
                self.position += 1
                return True
            return False
        return self._identifier()

    def _identifier(self, exception: bool = False) -> bool:
        if self.position >= len(self.tokens):
            return False
        token = self.tokens[self.position]
        if token in ("(", ")") or token.upper() in _SPDX_OPERATORS:
            return False
        if not _SPDX_ID.fullmatch(token) or (exception and token.endswith("+")):
            return False
        self.position += 1
        return True


def parse_reference(value: str) -> re.Match[str] | None:
    """The distribution/distribution reference grammar; None when `value` does not fit it."""
    match = REFERENCE.fullmatch(value)
    if match is None or len(match.group("name")) > _NAME_MAX:
        return None
    return match


def _qualified(match: re.Match[str]) -> bool:
    """A registry host is named: the first component has a '.' or ':' or is localhost."""
    domain = match.group("domain")
    return domain is not None and ("." in domain or ":" in domain or domain == "localhost")


def annotation_value_problems(key: str, value: str) -> Problems:
    """What is wrong with the value of one pre-defined annotation key (annotations.md).

    An empty value is never wrong: the annotation rules let any value be the empty string
    (builders write base.digest "" for an image built from scratch, for instance).
    """
    if value == "":
        return []
    if key == CREATED and not is_date_time(value):
        return [("annotations.created-format", f"{value!r} is not an RFC 3339 date-time")]
    if key in URL_KEYS and not URI.fullmatch(value):
        return [(URL_KEYS[key], f"{value!r} is not a URL (an absolute RFC 3986 URI)")]
    if key == LICENSES and not is_spdx_expression(value):
        return [("annotations.licenses-format", f"{value!r} is not an SPDX license expression")]
    if key == REF_NAME:
        return _ref_name_problems(value)
    if key == BASE_DIGEST:
        try:
            parse_digest(value)
        except DigestError as exc:
            return [("annotations.base-digest-format", str(exc))]
        if "\n" in value:
            return [("annotations.base-digest-format", f"{value!r} ends in a newline")]
    if key == BASE_NAME:
        match = parse_reference(value)
        if match is None:
            return [
                (
                    "annotations.base-name-format",
                    f"{value!r} is not an image reference in the distribution/distribution format",
                )
            ]
        if not _qualified(match):
            return [
                (
                    "annotations.base-name-not-qualified",
                    f"{value!r} does not name its registry (e.g. registry.example.com/{value})",
                )
            ]
    return []


def _ref_name_problems(value: str) -> Problems:
    problems = []
    if not REF_CHARSET.fullmatch(value):
        odd = sorted({c for c in value if not REF_CHARSET.fullmatch(c)})
        problems.append(
            ("annotations.ref-name-charset", f"{value!r} uses characters outside A-Za-z0-9-._:@/+: {odd}")
        )
    if not REF_GRAMMAR.fullmatch(value):
        problems.append(
            (
                "annotations.ref-name-grammar",
                f"{value!r} does not match the ref grammar (components of alphanumerics joined by "
                "one of -._:@+ or --, separated by /)",
            )
        )
    return problems


def base_pairing_problems(annotations: dict[str, object]) -> Problems:
    """base.name should come with the base.digest of the manifest it names."""
    name, digest = annotations.get(BASE_NAME), annotations.get(BASE_DIGEST)
    if not isinstance(name, str) or not name:
        return []
    if digest is None:
        return [
            (
                "annotations.base-digest-pairing",
                f"{BASE_NAME} is set but {BASE_DIGEST} (the digest of the manifest it names) is not",
            )
        ]
    match = parse_reference(name)
    pinned = match.group("digest") if match else None
    if pinned is not None and isinstance(digest, str) and pinned != digest:
        return [
            (
                "annotations.base-digest-pairing",
                f"{BASE_NAME} names the manifest {pinned} but {BASE_DIGEST} is {digest}",
            )
        ]
    return []


# ------------------------------------------------------------------ platforms


def platform_problems(platform: dict[str, object]) -> list[tuple[str, str, str]]:
    """Values of os/architecture/variant/os.features outside the lists the spec points to.

    Returns (kind, field, message); kind is "architecture", "os", "variant", "go-analog" or
    "os-features", which the caller turns into the finding code of the place (a config or an
    index's platform object), and field is the property the message is about.
    """
    problems: list[tuple[str, str, str]] = []
    architecture, os_name = platform.get("architecture"), platform.get("os")
    if isinstance(architecture, str) and architecture not in GOARCH:
        message = f"architecture {architecture!r} is not a GOARCH value"
        problems.append(("architecture", "architecture", message))
    if isinstance(os_name, str) and os_name not in GOOS:
        problems.append(("os", "os", f"os {os_name!r} is not a GOOS value"))
    variant = platform.get("variant")
    if isinstance(variant, str) and isinstance(architecture, str):
        problems += [(kind, "variant", message) for kind, message in _variant_problems(architecture, variant)]
    features = platform.get("os.features")
    if os_name == "windows" and isinstance(features, list):
        unknown = [f for f in features if isinstance(f, str) and f not in WINDOWS_FEATURES]
        if unknown:
            message = f"os.features {unknown} are not among the windows values (win32k)"
            problems.append(("os-features", "os.features", message))
    return problems


def _resembles(variant: str, values: tuple[str, ...]) -> bool:
    """GOARM=7 is variant v7: compare without case and without a leading "v"."""
    normal = variant.lower().removeprefix("v")
    return any(normal == value.lower().removeprefix("v") for value in values)


def _variant_problems(architecture: str, variant: str) -> Problems:
    table = VARIANTS.get(architecture)
    if table is not None and table.fullmatch(variant):
        return []
    problems = [("variant", f"the Platform Variants table has no variant {variant!r} for {architecture!r}")]
    analog = GO_ANALOGS.get(architecture)
    if analog is not None and not _resembles(variant, analog[1]):
        setting, values = analog
        message = f"variant {variant!r} does not resemble a {setting} value ({', '.join(values)})"
        problems.append(("go-analog", message))
    return problems
