"""Build a real multi-page PDF (running header, page-number footer) from a corpus text file,
so integration tests exercise pypdf on review content rather than on filler."""

from __future__ import annotations

from pathlib import Path

_ASCII = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "•": "-"})
HEADER = "LLR LSCB - Serious Case Review Child F - Executive Summary"


def text_to_pdf(source: Path, target: Path, header: str = HEADER) -> int:
    """Write `source` as a PDF with a header and 'Page n' footer; returns the page count."""
    from fpdf import FPDF

    class _Review(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=8)
            self.cell(0, 8, header, align="C")
            self.ln(12)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=8)
            self.cell(0, 10, f"Page {self.page_no()}", align="C")

    pdf = _Review(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    paragraphs = source.read_text(encoding="utf-8").translate(_ASCII).split("\n\n")
    for paragraph in paragraphs:
        text = " ".join(paragraph.split())
        if text:
            pdf.multi_cell(0, 5.5, text.encode("latin-1", "replace").decode("latin-1"))
            pdf.ln(2.5)
    pdf.output(str(target))
    return pdf.page_no()
