from rag.text import sentence_spans, sentences


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
