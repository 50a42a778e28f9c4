"""The handouts' link (the clinicians', the comparison's and the family's): printed as text and as a QR code that
decodes (from the rendered page) to the same link."""

from __future__ import annotations

import subprocess

import pytest
import zxingcpp
from PIL import Image

from pathways import load_pathway, resolve_pathway
from pathways.evaluate import evaluate
from pathways.catalogue import use_language
from pathways.clinic import load_clinic
from pathways.outputs.compare import compare
from pathways.outputs.family_handout import family_handout_pdf
from pathways.outputs.handout import HandoutError, comparison_pdf, handout_pdf, pdf_available, with_link
from pathways.shown import shown_for
from pathways.translate import translate_pathway
from tests.support.server import ROOT

PATHWAY = load_pathway(resolve_pathway(None))
CHILD = {"age_group": "child", "cns_involvement": "no", "cell_type": "b_cell"}
ADULT = {"age_group": "adult", "cns_involvement": "yes", "cell_type": "t_cell"}
BASE = "https://explorer.intranet.example/pathways/"
#: Resolution the pages are rendered at for decoding (a phone's camera sees about this much detail on paper).
DPI = 150

pytestmark = pytest.mark.skipif(not pdf_available(), reason="WeasyPrint and Pango are installed by scripts/setup.sh")


def pages_as_text_and_codes(pdf: bytes, tmp_path) -> tuple[str, list[str]]:
    """The PDF's text (pdftotext) and every QR code found on its rendered pages (pdftoppm, then zxing-cpp)."""
    path = tmp_path / "handout.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(path), str(tmp_path / "page")], check=True)
    codes = []
    for png in sorted(tmp_path.glob("page-*.png")):
        with Image.open(png) as image:
            codes += [c.text for c in zxingcpp.read_barcodes(image) if c.format == zxingcpp.BarcodeFormat.QRCode]
    return text, codes


HANDOUTS = {
    "one-situation": (lambda link: handout_pdf(evaluate(PATHWAY, ADULT), link=link),
                      f"{BASE}?age_group=adult&cns_involvement=yes&cell_type=t_cell"),
    "comparison": (lambda link: comparison_pdf(compare(evaluate(PATHWAY, CHILD), evaluate(PATHWAY, ADULT)), link=link),
                   f"{BASE}?age_group=child&cns_involvement=no&cell_type=b_cell&compare=adult/yes/t_cell"),
    "plain-http-loopback": (lambda link: handout_pdf(evaluate(PATHWAY, CHILD), link=link),
                            "http://127.0.0.1:8501/?embed=true&age_group=child&cns_involvement=no&cell_type=b_cell"),
}


@pytest.mark.parametrize(("make", "link"), HANDOUTS.values(), ids=HANDOUTS.keys())
def test_handout_prints_the_link_and_a_qr_code_that_decodes_to_it(make, link, tmp_path):
    text, codes = pages_as_text_and_codes(make(link), tmp_path)
    assert codes == [link]
    assert link in "".join(text.split()), "the link is not printed as text"  # (wrapped over lines)
    assert "Open this view again" in text


#: The family handout, in each language, with the clinic's details (its longest end) and a link the page gives.
FAMILY = {lang: (pathway, f"{BASE}?age_group=adult&cns_involvement=yes&cell_type=t_cell"
                 f"&time_since_treatment=under_3_years&reading=family&lang={lang}")
          for lang, pathway in (("en", PATHWAY), ("es", translate_pathway(PATHWAY, "es")))}
SCAN = {"en": "scan the code or type the address", "es": "escanee el código o escriba la dirección"}


@pytest.mark.parametrize("lang", FAMILY)
def test_family_handout_prints_the_link_and_a_qr_code_that_decodes_to_it(lang, tmp_path):
    pathway, link = FAMILY[lang]
    answers = {**ADULT, "time_since_treatment": "under_3_years"}
    with use_language(lang):
        pdf = family_handout_pdf(shown_for(pathway, answers), link=link,
                                 clinic=load_clinic(ROOT / "deploy/clinic.example.yaml"))
    text, codes = pages_as_text_and_codes(pdf, tmp_path)
    assert codes == [link]
    assert link in "".join(text.split()) and SCAN[lang] in " ".join(text.split())


def test_family_handout_without_a_link_has_no_qr_code(tmp_path):
    text, codes = pages_as_text_and_codes(family_handout_pdf(shown_for(PATHWAY, {**CHILD, "time_since_treatment":
                                                                                   "under_3_years"})), tmp_path)
    assert codes == [] and "scan the code" not in text


def test_handout_without_a_link_has_no_qr_code(tmp_path):
    text, codes = pages_as_text_and_codes(handout_pdf(evaluate(PATHWAY, CHILD)), tmp_path)
    assert codes == [] and "Open this view again" not in text


@pytest.mark.parametrize("link", ["javascript:alert(1)", "file:///etc/passwd", "/?age_group=child",
                                  "https://a.example/?x=1 2"], ids=["script", "file", "relative", "space"])
def test_a_link_that_is_not_http_is_refused(link):
    with pytest.raises(HandoutError, match=r"unusable link for a handout: .* \(must be one of \['https', 'http'\]"):
        with_link("<html><body></body></html>", link)


def test_link_text_is_escaped():
    document = with_link("<html><body></body></html>", 'https://a.example/?q="><script>x</script>')
    assert "<script>" not in document and "&lt;script&gt;" in document
