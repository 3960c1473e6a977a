"""Word checker, alt text Office generated itself ("… Description automatically generated"):
unverified, so cantTell; a written description passes; no picture, inapplicable. (Kept apart from
tests/test_docx.py; the PowerPoint and HTML cases sit with their checkers' tests.)"""
import pytest

from checkers.docx import check_docx
from checkers.engine import Context
from tests import office_factory as f


def image_alt(doc):
    findings, _ = check_docx(f.save(doc), Context(name="doc.docx"))
    return [x for x in findings if x.rule == "docx-image-alt"]


@pytest.mark.parametrize("descr", [
    "A close up of a logo\n\nDescription automatically generated",
    "A group of people\nDescription automatically generated with low confidence",
    "Immagine che contiene testo, schermata\n\nDescrizione generata automaticamente",
    "En bild som visar diagram, text Automatiskt genererad beskrivning",
])
def test_office_generated_alt_is_cant_tell(descr):
    doc = f.document()
    f.doc_picture(doc, descr)
    [doubt] = image_alt(doc)
    assert doubt.outcome == "cantTell" and "generated automatically by Office" in doubt.message


def test_written_alt_passes_and_no_picture_is_inapplicable():
    doc = f.document()
    f.doc_picture(doc, "Leaf cross-section under a microscope")
    assert [x.outcome for x in image_alt(doc)] == ["passed"]
    doc = f.document()
    f.body(doc, 20)
    assert [x.outcome for x in image_alt(doc)] == ["inapplicable"]
