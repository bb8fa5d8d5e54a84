"""The speller on words and collections that are not the bundled corpus."""

import json

import pytest

from rag.eval.typed import rng_for, slip, type_like_a_practitioner, typed_item
from rag.glossary import load_glossary
from rag.spell import Speller, collection_vocabulary, english_words

COLLECTION = collection_vocabulary(
    [
        "The paediatrician at Westshire General raised a safeguarding concern with the MASH.",
        "The childminder's consultation was anonymous; no strategy discussion followed.",
        "Aurelia's grandmother was not assessed. Kinnerton board recommendations follow.",
    ]
)


@pytest.fixture(scope="module")
def speller() -> Speller:
    glossary = load_glossary()
    return Speller(COLLECTION, names=["aurelia", "kinnerton"], spellings=glossary.spellings)


def test_a_slip_is_corrected_to_the_collections_word(speller):
    assert speller.correct_word("paediatrican") == "paediatrician"  # a letter missed
    assert speller.correct_word("consutlation") == "consultation"  # two letters swapped
    assert speller.correct_word("Westshrie") == "Westshire"  # the capital is kept
    assert speller.correct_word("strategyy") == "strategy"  # a letter doubled


def test_a_word_of_either_list_is_never_changed(speller):
    assert "rhubarb" in english_words()
    assert speller.correct_word("rhubarb") == "rhubarb"  # English, though no review uses it
    assert "consolation" in english_words()
    assert speller.correct_word("consolation") == "consolation"  # two edits from "consultation"
    assert speller.correct_word("childminder's") == "childminder's"  # the collection's own
    assert speller.correct_word("Kinnerton") == "Kinnerton"


def test_an_unknown_word_with_no_close_collection_word_stays(speller):
    assert speller.correct_word("Zbigniewski") == "Zbigniewski"
    assert speller.correct_word("qxv") == "qxv"


def test_acronyms_numbers_and_short_words_are_left_alone(speller):
    assert speller.correct_word("NSPCC") == "NSPCC"
    assert speller.correct_word("s47") == "s47"
    assert speller.correct_word("2019") == "2019"
    assert speller.correct_word("gp") == "gp"


def test_a_near_miss_of_a_review_name_is_that_review(speller):
    assert speller.correct_word("aurlia") == "aurelia"
    assert speller.correct_word("kinerton") == "kinnerton"


def test_typing_shorthand_is_read_as_the_word(speller):
    corrected = speller.correct("wat did the paediatrican say abt the mash")
    assert corrected.text == "what did the paediatrician say about the mash"
    assert corrected.changes == [("wat", "what"), ("paediatrican", "paediatrician"), ("abt", "about")]


def test_a_clean_question_is_unchanged(speller):
    corrected = speller.correct("What did the Kinnerton review recommend about the grandmother?")
    assert not corrected.changed
    assert corrected.text == "What did the Kinnerton review recommend about the grandmother?"


def test_an_organisation_adds_its_own_spellings(tmp_path):
    extra = tmp_path / "glossary.toml"
    extra.write_text('[spellings]\nsafegrd = "safeguarding"\n')
    glossary = load_glossary(extra)
    assert glossary.spellings["safegrd"] == "safeguarding"
    assert glossary.spellings["wat"] == "what"  # the packaged spellings stay


def test_a_spelling_that_is_not_a_word_is_a_clear_error(tmp_path):
    extra = tmp_path / "glossary.toml"
    extra.write_text('[spellings]\nsafegrd = ["safeguarding"]\n')
    with pytest.raises(ValueError, match="safegrd"):
        load_glossary(extra)


# --- typed variants of a gold set ---------------------------------------------------------


def test_a_slip_changes_one_letter_and_never_the_first():
    for seed in range(50):
        typed = slip("consultation", rng_for(str(seed)))
        assert typed != "consultation" and typed[0] == "c"
        assert abs(len(typed) - len("consultation")) <= 1


def test_typing_is_lower_case_shorthand_and_no_question_mark():
    typed = type_like_a_practitioner("What did the Health Visitor recommend?", rng_for("a"))
    assert typed == typed.lower().replace("hv", "HV") and not typed.endswith("?")


def test_a_typed_variant_is_deterministic_and_keeps_the_id():
    item = {
        "id": "z-1",
        "question": "What recommendations did the serious case review make about information sharing?",
        "history": [{"role": "user", "content": "Tell me about the strategy meeting"}],
        "answerable": True,
    }
    first, second = typed_item(item), typed_item(json.loads(json.dumps(item)))
    assert first == second and first["id"] == "z-1"
    assert first["question"] != item["question"]
    assert item["question"].endswith("?")  # the original is not modified
