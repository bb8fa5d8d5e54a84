import pytest

from rag.ingest.catalog import CatalogError, guess_case, guess_info, load_catalog
from rag.ingest.job import scan_corpus

from .conftest import CORPUS


def test_real_catalog_describes_some_reviews_with_case_and_aliases_and_leaves_others_to_guess():
    # The catalog covers some reviews only: the others are described from their own text.
    catalog = load_catalog(CORPUS / "catalog.toml")
    documents = set(scan_corpus(CORPUS, "catalog.toml"))
    assert sorted(set(catalog.entries) - documents) == [], "catalog entries must name corpus files"
    original = {
        "derbyshire-child-h-executive-summary.txt": "Child H",
        "llr-child-f-executive-summary.txt": "Child F",
        "norfolk-case-s-learning-presentation.md": "Case S",
        "calderdale-child-learning-briefing.txt": "the Calderdale child",
        "warwickshire-child-j-review-report.md": "Child J",
    }
    assert {name: catalog.entries[name].case for name in original if name in catalog.entries} == original
    assert len(set(catalog.entries) - set(original)) >= 3, "at least 3 more reviews are catalogued"
    uncatalogued = documents - set(catalog.entries)
    assert len(uncatalogued) >= 4, f"only {sorted(uncatalogued)} are left for the product to guess"
    assert "the norfolk review" in catalog.entries["norfolk-case-s-learning-presentation.md"].aliases
    assert "warwickshire" in catalog.entries["warwickshire-child-j-review-report.md"].aliases
    incomplete = sorted(
        name for name, e in catalog.entries.items() if not (e.case and e.board and e.year and e.doc_type)
    )
    assert not incomplete, f"entries missing case, board, year or doc_type: {incomplete}"


def test_unknown_field_is_named_in_the_error(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_text('[documents."a.pdf"]\ntitle = "A"\ncase = "Child A"\ncolour = "red"\n')
    with pytest.raises(CatalogError, match=r"a\.pdf.*colour"):
        load_catalog(path)


def test_missing_case_is_named_in_the_error(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_text('[documents."a.pdf"]\ntitle = "A"\n')
    with pytest.raises(CatalogError, match=r"'case' is required"):
        load_catalog(path)


def test_bad_toml_names_the_file(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_text("[documents\n")
    with pytest.raises(CatalogError, match="catalog.toml"):
        load_catalog(path)


def test_missing_catalog_is_empty(tmp_path):
    assert load_catalog(tmp_path / "none.toml").entries == {}


def test_case_and_board_are_guessed_from_text():
    text = (
        "Warwickshire Safeguarding Children Board\nSerious Case Review regarding Child J\n"
        "Child J was 7 months old. Child J was injured in 2016."
    )
    info = guess_info("new.txt", text)
    assert info.case == "Child J" and info.case_source == "guessed"
    assert info.board == "Warwickshire Safeguarding Children Board"
    assert info.year == 2016


def test_no_case_label_is_reported_as_unknown():
    info = guess_info("x.txt", "A report about the weather in 2019 with no case label.")
    assert info.case == "" and info.case_source == "unknown"


def test_a_single_mention_is_not_enough_to_guess():
    assert guess_case("We compared this with Child P once.") is None


def test_unlabelled_child_is_named_after_the_place():
    text = "This briefing has been produced following an SCR into a child who died in Calderdale in 2017."
    info = guess_info("briefing.txt", text)
    assert info.case == "the Calderdale child" and info.case_source == "guessed"


def test_catalog_suggest_writes_entries_that_read_back(tmp_path, capsys):
    from rag.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "catalog.toml").write_text('[documents."known.txt"]\ntitle = "Known"\ncase = "Child K"\n')
    (corpus / "known.txt").write_text("Child K. Child K.")
    (corpus / "new.txt").write_text(
        "MIDSHIRE SAFEGUARDING CHILDREN BOARD\nSERIOUS CASE REVIEW\nCHILD V\nExecutive Summary\n2016\n\n"
        "Child V was two. Child V was seen by the health visitor."
    )
    assert main(["catalog", "--suggest", "--corpus", str(corpus)]) == 0
    printed = capsys.readouterr().out
    assert '[documents."new.txt"]' in printed and "known.txt" not in printed
    assert main(["catalog", "--suggest", "--write", "--corpus", str(corpus)]) == 0
    entry = load_catalog(corpus / "catalog.toml").entries["new.txt"]
    assert (entry.case, entry.board, entry.year, entry.doc_type) == (
        "Child V", "Midshire Safeguarding Children Board", 2016, "executive summary")  # fmt: skip
    assert "the midshire review" in entry.aliases
    assert main(["catalog", "--suggest", "--corpus", str(corpus)]) == 0
    assert "every document" in capsys.readouterr().out
