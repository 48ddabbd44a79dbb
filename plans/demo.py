"""Demo CAD plans for `seed_demo`: new entities awaiting plans, and one plan already received.

Idempotent, through the services, as the operator and the CAD plan provider would do it.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from entities.models import BusinessEntity
from plans.models import PlanFile, PlanStatus
from plans.services import plan_file_upload, plans_request

DEMO_PLAN_NAME = "grundriss-eg.pdf"


def minimal_pdf(title: str = "Grundriss EG") -> bytes:
    """A small, valid one-page PDF with its cross-reference table (offsets computed, not guessed)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def seed_plans(*, provider: User, entities: list[BusinessEntity]) -> None:
    """Flag the demo's new entities "awaiting plans" once, and give the first of them a plan from the provider.

    A second run changes nothing, even where a manager has cleared a request since.
    """
    for entity in entities:
        if not PlanStatus.objects.filter(entity=entity).exists():
            plans_request(actor=None, entity=entity)
    first = entities[0]
    if not PlanFile.objects.filter(entity=first).exists() and PlanStatus.objects.get(entity=first).awaiting_plans:
        upload = SimpleUploadedFile(DEMO_PLAN_NAME, minimal_pdf(), content_type="application/pdf")
        plan_file_upload(actor=provider, entity=first, upload=upload)
