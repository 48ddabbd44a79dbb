"""Plan files as people upload them: a minimal PDF, the first bytes of an AutoCAD drawing, a minimal DXF."""

from django.core.files.uploadedfile import SimpleUploadedFile

from plans.demo import minimal_pdf

# The first bytes of an AutoCAD 2018 drawing, and a minimal ASCII DXF (a header section and the end of file).
DWG_BYTES = b"AC1032\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00" + bytes(range(256)) * 4
DXF_BYTES = b"  0\nSECTION\n  2\nHEADER\n  9\n$ACADVER\n  1\nAC1032\n  0\nENDSEC\n  0\nEOF\n"


def pdf(name: str = "grundriss.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf() if content is None else content, content_type="application/pdf")
