"""The image-tool kind: tools that produce, consume, copy and convert OCI image layouts."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from conformance import IMAGE_SPEC_VERSION
from conformance.kinds import Subject, SubjectKind
from conformance.plugin.settings import Setting

if TYPE_CHECKING:
    from conformance.plugin.session import Session


class ImageToolKind(SubjectKind):
    name = "image-tool"
    title = "image tool"
    fixture = "image_tool"
    spec = "image-spec"
    spec_version = IMAGE_SPEC_VERSION
    suite = "image"
    default_profile = "image-layout-must"
    fixtures_module = "conformance.image.fixtures"
    usage = "pass --image-tool=NAME (or set OCI_IMAGE_TOOL)"
    selector: ClassVar[Setting] = Setting(
        "image_tool",
        "--image-tool",
        "OCI_IMAGE_TOOL",
        multiple=True,
        help="image tool under test: umoci, skopeo, buildah, a path to one, or a YAML description "
        "of a tool's commands; repeat or comma-separate to run the image suite once per tool",
    )
    settings: ClassVar[tuple[Setting, ...]] = (
        Setting(
            "image_tool_timeout",
            "--image-tool-timeout",
            "OCI_IMAGE_TOOL_TIMEOUT",
            default=120.0,
            parse=float,
            help="seconds before an image-tool call is killed (default 120)",
        ),
    )

    def open(self, value: str, session: Session) -> Subject:
        from conformance.image.tools import open_tool

        assert session.workdir is not None
        return open_tool(value, workdir=session.workdir, timeout=session.value("image_tool_timeout"))

    def header(self, label: str, subject: Subject) -> list[str]:
        roles = ", ".join(sorted(getattr(subject, "roles", ())))
        return [f"{self.title} {label}: {subject.path} version {subject.version} (roles: {roles})"]
