"""What a plan file is, read from its content: PDF, DWG or DXF, within the size limit, named for what it is."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from plans.demo import minimal_pdf
from plans.models import PlanKind
from plans.uploads import inspect_upload
from tests.support.plan_files import DWG_BYTES, DXF_BYTES


def file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def refusal(upload) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        inspect_upload(upload)
    return refused.value


def test_a_real_pdf_is_accepted_as_a_pdf():
    assert inspect_upload(file("grundriss.pdf", minimal_pdf())).kind == PlanKind.PDF


def test_a_real_dwg_is_accepted_as_a_dwg():
    assert inspect_upload(file("grundriss.dwg", DWG_BYTES)).kind == PlanKind.DWG


def test_an_ascii_dxf_is_accepted_as_a_dxf():
    assert inspect_upload(file("grundriss.dxf", DXF_BYTES)).kind == PlanKind.DXF


def test_an_ascii_dxf_opening_with_a_comment_is_accepted():
    assert inspect_upload(file("grundriss.dxf", b"999\nwritten by ezdxf\n" + DXF_BYTES)).kind == PlanKind.DXF


def test_a_binary_dxf_is_accepted_as_a_dxf():
    content = b"AutoCAD Binary DXF\r\n\x1a\x00" + bytes(range(256))
    assert inspect_upload(file("grundriss.dxf", content)).kind == PlanKind.DXF


def test_the_extension_is_read_whatever_its_case():
    assert inspect_upload(file("GRUNDRISS.PDF", minimal_pdf())).kind == PlanKind.PDF


def test_a_pdf_name_on_content_that_is_no_pdf_is_refused_with_the_reason():
    error = refusal(file("grundriss.pdf", b"MZ\x90\x00 this is a Windows program"))

    assert error.code == "content_mismatch"
    assert error.messages == ["“grundriss.pdf” is not a PDF file: its content does not match its .pdf name."]


def test_a_dwg_named_pdf_is_refused():
    assert refusal(file("grundriss.pdf", DWG_BYTES)).code == "content_mismatch"


def test_a_pdf_named_dxf_is_refused():
    assert refusal(file("grundriss.dxf", minimal_pdf())).code == "content_mismatch"


def test_a_file_over_the_size_limit_is_refused_with_the_limit(settings):
    settings.PLAN_UPLOAD_MAX_BYTES = 1024 * 1024
    content = minimal_pdf() + b"%" * (1024 * 1024)

    error = refusal(file("grundriss.pdf", content))

    assert error.code == "too_large"
    assert error.messages == ["The file is larger than the limit of 1 MB."]


def test_a_file_of_exactly_the_size_limit_is_accepted(settings):
    content = minimal_pdf()
    settings.PLAN_UPLOAD_MAX_BYTES = len(content)

    assert inspect_upload(file("grundriss.pdf", content)).size == len(content)


def test_an_empty_file_is_refused():
    error = refusal(file("grundriss.pdf", b""))

    assert error.code == "empty"
    assert error.messages == ["The file is empty."]


def test_a_program_is_refused_by_its_name():
    error = refusal(file("setup.exe", b"MZ\x90\x00"))

    assert error.code == "wrong_extension"
    assert error.messages == ["Only PDF, DWG and DXF files can be uploaded (.pdf, .dwg, .dxf)."]


def test_a_file_without_extension_is_refused():
    assert refusal(file("grundriss", minimal_pdf())).code == "wrong_extension"


def test_the_checksum_and_size_are_those_of_the_content():
    content = minimal_pdf("Schnitt A-A")

    inspected = inspect_upload(file("schnitt.pdf", content))

    assert inspected.sha256 == hashlib.sha256(content).hexdigest()
    assert inspected.size == len(content)
    assert inspected.original_name == "schnitt.pdf"


def test_the_upload_can_be_read_again_from_its_start_after_the_checks():
    upload = file("grundriss.pdf", minimal_pdf())

    inspect_upload(upload)

    assert upload.read() == minimal_pdf()
