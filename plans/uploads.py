"""What an uploaded plan file is, read from its content: PDF, DWG or DXF, and whether its name says the same.

The name's extension alone proves nothing; the first bytes decide, and the extension
must then name the kind they show. Nothing here stores anything.
"""

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from plans.models import PlanKind

# DWG files open with their format version: AC1012 (R13) … AC1032 (2018 and later).
DWG_MAGIC = re.compile(rb"AC10(1[2-9]|2[0-9]|3[0-2])")
PDF_MAGIC = b"%PDF-"
# A binary DXF opens with this sentinel; an ASCII DXF with group code 0 and SECTION (see _is_dxf).
BINARY_DXF_MAGIC = b"AutoCAD Binary DXF\r\n\x1a\x00"
UTF8_BOM = b"\xef\xbb\xbf"
# How much of the start of a file the checks read.
HEAD_BYTES = 4096

TOO_LARGE = _("The file is larger than the limit of %(limit)s MB.")
EMPTY = _("The file is empty.")
WRONG_EXTENSION = _("Only PDF, DWG and DXF files can be uploaded (.pdf, .dwg, .dxf).")
CONTENT_MISMATCH = _("“%(name)s” is not a %(kind)s file: its content does not match its .%(extension)s name.")
KIND_NAMES = {PlanKind.PDF: "PDF", PlanKind.DWG: "DWG", PlanKind.DXF: "DXF"}


@dataclass(frozen=True)
class InspectedUpload:
    kind: str
    size: int
    sha256: str
    original_name: str


def _is_dxf(head: bytes) -> bool:
    """Binary DXF: its sentinel. ASCII DXF: the first non-blank lines are group code 0 and SECTION,
    after an optional 999 comment group (and a UTF-8 byte order mark, which some writers put first)."""
    if head.startswith(BINARY_DXF_MAGIC):
        return True
    if b"\x00" in head:
        return False
    lines = head.removeprefix(UTF8_BOM).decode("latin-1").splitlines()
    if len(head) == HEAD_BYTES and lines:
        lines = lines[:-1]  # the last line may be cut off by the head's end
    index = 0

    def next_non_blank() -> str | None:
        nonlocal index
        while index < len(lines) and not lines[index].strip():
            index += 1
        if index >= len(lines):
            return None
        index += 1
        return lines[index - 1].strip()

    first = next_non_blank()
    if first == "999":
        index += 1  # the comment's text, whatever it says
        first = next_non_blank()
    return first == "0" and next_non_blank() == "SECTION"


def detect_kind(head: bytes) -> str | None:
    """The plan kind the first bytes of a file show, or None when they show none."""
    if head.startswith(PDF_MAGIC):
        return PlanKind.PDF
    if DWG_MAGIC.match(head):
        return PlanKind.DWG
    if _is_dxf(head):
        return PlanKind.DXF
    return None


def limit_in_mb(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return f"{megabytes:.0f}" if megabytes == int(megabytes) else f"{megabytes:.1f}"


def inspect_upload(upload: UploadedFile) -> InspectedUpload:
    """Kind, size and SHA-256 of an upload; ValidationError for one that is too large, empty or not what it is named."""
    limit = settings.PLAN_UPLOAD_MAX_BYTES
    if (upload.size or 0) > limit:
        raise ValidationError(TOO_LARGE, code="too_large", params={"limit": limit_in_mb(limit)})
    if not upload.size:
        raise ValidationError(EMPTY, code="empty")
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower().removeprefix(".")
    if extension not in PlanKind.values:
        raise ValidationError(WRONG_EXTENSION, code="wrong_extension")
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    if detect_kind(head) != extension:
        raise ValidationError(
            CONTENT_MISMATCH,
            code="content_mismatch",
            params={"name": name, "kind": KIND_NAMES[PlanKind(extension)], "extension": extension},
        )
    digest, size = hashlib.sha256(), 0
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return InspectedUpload(kind=extension, size=size, sha256=digest.hexdigest(), original_name=name[:255])
