from rag.text import sentence_spans, sentences, unit_spans


def test_sentences_split_at_full_stops_not_at_line_wraps():
    text = "Child F died within a month of birth. The post mortem revealed the baby\nhad a fracture."
    assert sentences(text) == [
        "Child F died within a month of birth.",
        "The post mortem revealed the baby\nhad a fracture.",
    ]


def test_abbreviations_and_paragraph_numbers_do_not_end_sentences():
    text = "Advice was given, i.e. to record concerns. See para 4.1.17 for more. Dr. Jones agreed."
    assert sentences(text) == [
        "Advice was given, i.e. to record concerns.",
        "See para 4.1.17 for more.",
        "Dr. Jones agreed.",
    ]


def test_spans_point_into_the_text():
    text = "  First one. Second one?  Third!"
    for a, b in sentence_spans(text):
        assert text[a:b].strip() == text[a:b]
    assert [text[a:b] for a, b in sentence_spans(text)] == ["First one.", "Second one?", "Third!"]


def test_a_numbered_list_after_its_lead_in_is_one_unit_per_item():
    text = (
        "The panel makes these recommendations to the partnership:\n"
        "1. The partnership should review its escalation policy and\n"
        "report on its use.\n"
        "2. Health visitors should see the baby at home."
    )
    assert [text[a:b] for a, b in unit_spans(text)] == [
        "The panel makes these recommendations to the partnership:",
        "1. The partnership should review its escalation policy and\nreport on its use.",
        "2. Health visitors should see the baby at home.",
    ]
    assert sentences("It closed in 2015. The plan ended.") == ["It closed in 2015.", "The plan ended."]
