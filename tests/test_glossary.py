"""Safeguarding shorthand read with its long forms, both ways; words not from the corpus."""

from rag.glossary import load_glossary
from rag.query import CaseDirectory, analyse


def test_shorthand_and_long_forms_find_each_other():
    glossary = load_glossary()
    assert "multi-agency safeguarding hub" in glossary.expansions("did the MASH check the referral?")
    assert "mash" in glossary.expansions("the Multi-Agency Safeguarding Hub took the call")
    assert "section 47" in glossary.expansions("why was there no s47 for the twins")
    assert "child in need" not in glossary.expansions("the cinema was closed")  # whole words only


def test_an_organisation_adds_its_own_terms(tmp_path):
    extra = tmp_path / "glossary.toml"
    extra.write_text('[terms]\n"ftb" = ["family time base"]\n')
    glossary = load_glossary(extra)
    assert glossary.expansions("notes from the FTB visit") == ["family time base"]
    assert "child in need" in glossary.expansions("a CIN plan")  # the packaged terms stay


def test_shorthand_sets_what_a_question_asks_for():
    directory = CaseDirectory.build({"Child Z": ["the westshire review"]})
    query = analyse("westshire recs for the HV", directory, glossary=load_glossary())
    assert query.intent == "recommendation"
    assert "health" in query.topic_words and "visitor" in query.topic_words
    assert "recommendations" in query.text and query.question == "westshire recs for the HV"
