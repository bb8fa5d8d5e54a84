"""Citable units: sentences, bullet items, and lists kept with their lead-in."""

from rag.retrieve.sentences import group_units, readable


def _texts(text):
    return [text[a:b] for a, b, _ in group_units(text)]


def test_lead_in_keeps_its_items():
    text = "The advice provided was:\n- to speak to Mum\n- to record any comments\n\nNext point here."
    assert _texts(text) == [
        "The advice provided was:\n- to speak to Mum\n- to record any comments",
        "Next point here.",
    ]
    assert readable(_texts(text)[0]) == "The advice provided was: to speak to Mum; to record any comments"


def test_items_without_lead_in_are_quoted_without_their_bullet():
    text = "- GP told it was due to rubbing her ear.\n- Mother slow to comfort her"
    assert _texts(text) == ["GP told it was due to rubbing her ear.", "Mother slow to comfort her"]


def test_wrapped_lines_stay_one_sentence():
    text = "The medical reports were confusing and there was no\npaediatrician at the conference. Next."
    assert _texts(text) == [
        "The medical reports were confusing and there was no\npaediatrician at the conference.",
        "Next.",
    ]


def test_title_line_is_its_own_unit():
    text = "The dangers of over optimism\nThe rule of optimism allows workers to ignore evidence."
    assert _texts(text) == [
        "The dangers of over optimism",
        "The rule of optimism allows workers to ignore evidence.",
    ]
