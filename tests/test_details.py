"""Detail patterns on sentences written for these tests, not taken from any review."""

import pytest

from rag.answer.extractive.scoring import DETAILS


@pytest.mark.parametrize(
    "kind,sentence,holds",
    [
        ("regulator", "The nurse was referred to the Nursing and Midwifery Council.", True),
        ("regulator", "The GMC opened a fitness to practise investigation.", True),
        ("regulator", "The doctor was referred to her professional regulator.", True),
        ("regulator", "The doctor was referred to the paediatric team.", False),
        ("duration", "The assessment should be completed within 35 working days.", True),
        ("duration", "A strategy discussion must be held within one day.", True),
        ("duration", "It took eight weeks for the plan to be agreed.", True),
        ("duration", "The assessment was completed late.", False),
        ("rate", "Around 50 children die each year from abuse or neglect.", True),
        ("rate", "One in every five referrals led to a plan.", True),
        ("rate", "The rate was 3.2% in the region.", True),
        ("rate", "The family moved house twice.", False),
        ("age", "The boy, aged two months, was admitted.", True),
        ("age", "She was an 18-month-old girl.", True),
        ("age", "He was in his second year at the time.", True),
    ],
)
def test_a_sentence_holds_the_kind_of_detail_asked_for(kind, sentence, holds):
    assert bool(DETAILS[kind].search(sentence)) is holds
