"""Build the multi-page PDF reviews of corpus/ from their text sources in corpus/_sources/.

Each source `corpus/_sources/NAME.txt` starts with front-matter lines and a blank line:

    HEADER: Anytown Safeguarding Children Board - Serious Case Review Child A
    FOOTER: Overview report - Page {page} of {pages}

then the review text, paragraphs separated by blank lines. A paragraph starting with `# `
is set as a heading in bold; `## ` as a sub-heading. `{page}` and `{pages}` in the footer are
the page number and the page count. The PDF is written to `corpus/NAME.pdf`.

Run: `python scripts/build_corpus_pdfs.py` (needs fpdf2, installed with the dev extra).
Deterministic: the same source gives the same PDF bytes (fixed creation date).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "corpus" / "_sources"
_ASCII = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "•": "-", "…": "..."})
_FIXED_DATE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def _latin1(text: str) -> str:
    return text.translate(_ASCII).encode("latin-1", "replace").decode("latin-1")


def read_source(path: Path) -> tuple[dict[str, str], list[str]]:
    """Front matter (HEADER, FOOTER) and the paragraphs of a source file."""
    head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    meta = {}
    for line in head.splitlines():
        key, sep, value = line.partition(":")
        if not sep or key.strip().upper() not in {"HEADER", "FOOTER"}:
            raise SystemExit(f"{path}: front matter line {line!r} is not 'HEADER: ...' or 'FOOTER: ...'")
        meta[key.strip().upper()] = value.strip()
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    return meta, paragraphs


def build(source: Path, target: Path) -> int:
    """Write one review PDF; returns its page count."""
    from fpdf import FPDF

    meta, paragraphs = read_source(source)
    header, footer = meta.get("HEADER", ""), meta.get("FOOTER", "Page {page}")

    class _Review(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=8)
            self.cell(0, 8, _latin1(header), align="C")
            self.ln(12)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=8)
            text = footer.replace("{page}", str(self.page_no())).replace("{pages}", "{nb}")
            self.cell(0, 10, _latin1(text), align="C")

    pdf = _Review(format="A4")
    pdf.set_creation_date(_FIXED_DATE)
    pdf.alias_nb_pages("{nb}")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    for paragraph in paragraphs:
        _write_paragraph(pdf, paragraph)
    pdf.output(str(target))
    return pdf.page_no()


def _write_paragraph(pdf, paragraph: str) -> None:
    if paragraph.startswith("## "):
        pdf.set_font("Helvetica", style="B", size=11)
        text = paragraph[3:]
    elif paragraph.startswith("# "):
        pdf.set_font("Helvetica", style="B", size=13)
        text = paragraph[2:]
    else:
        pdf.set_font("Helvetica", size=11)
        text = paragraph
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # A paragraph of list items ("- ..." / "a) ...") keeps one item a line.
    joined = "\n".join(lines) if any(line[:2] in {"- ", "* "} for line in lines) else " ".join(lines)
    pdf.multi_cell(0, 5.5, _latin1(joined))
    pdf.ln(2.5)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", type=Path, help="source files (default: corpus/_sources/*)")
    parser.add_argument("--out", type=Path, default=ROOT / "corpus", help="folder for the PDFs")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for source in args.sources or sorted(SOURCES.glob("*.txt")):
        target = args.out / f"{source.stem}.pdf"
        print(f"{target}: {build(source, target)} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
