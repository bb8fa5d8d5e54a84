from rag.ingest import clean


def test_ligatures_become_letters():
    assert clean.clean_text("\ufb01lled the \ufb00orts \ufb02ow") == "filled the fforts flow"


def test_hyphen_at_line_end_is_joined_only_before_lower_case():
    assert clean.clean_text("adip-\niscing elit") == "adipiscing elit"
    assert clean.clean_text("Leicester-\nLeicestershire") == "Leicester-\nLeicestershire"


def test_whitespace_is_collapsed_but_paragraphs_kept():
    text = "The  review\u00a0 found   this.  \n\n\n\n  Next   paragraph.\t"
    assert clean.clean_text(text) == "The review found this.\n\nNext paragraph."


def test_soft_hyphens_and_zero_width_characters_removed():
    assert clean.clean_text("safe\u00adguarding\u200b board") == "safeguarding board"


def test_running_headers_footers_and_page_numbers_removed():
    topics = ["the childminder", "the consultation", "the GP visit", "the recommendations"]
    pages = [
        f"Norfolk SCR Case S\nBody text about {topic}.\nMore about {topic}.\n"
        f"Even more on {topic}.\nClosing words on {topic}.\nPage {n} of 4"
        for n, topic in enumerate(topics, start=1)
    ]
    cleaned = clean.strip_running_lines(pages)
    for topic, page in zip(topics, cleaned, strict=True):
        assert "Norfolk SCR Case S" not in page
        assert "Page" not in page
        assert page.startswith(f"Body text about {topic}.")
        assert page.endswith(f"Closing words on {topic}.")


def test_short_pages_keep_lines_that_repeat():
    pages = [f"Body text of page {n}.\nSecond line.\n{n}" for n in range(1, 5)]
    cleaned = clean.strip_running_lines(pages)
    assert cleaned == [f"Body text of page {n}.\nSecond line." for n in range(1, 5)]


def test_a_page_that_is_only_one_repeated_line_is_kept():
    pages = ["habibi"] * 4
    assert clean.strip_running_lines(pages) == pages


def test_standalone_page_numbers_in_exported_text_are_dropped_but_paragraph_numbers_kept():
    text = "end of page.\n\n 2 \nCONTENTS\n\n3.9\n\nIn the review"
    out = clean.drop_standalone_page_numbers(text)
    assert " 2 " not in out and "3.9" in out and "CONTENTS" in out


def test_markdown_inline_markup_removed_headings_and_bullets_kept():
    text = "# Title\n- **Board:** the *child* was [seen](http://x)\n---\n<p>x</p>"
    out = clean.strip_markdown_inline(text)
    assert out.startswith("# Title\n- Board: the child was seen")
    assert "---" not in out
