"""Detail patterns on sentences written for these tests, not taken from any review."""

import pytest

from rag.answer.extractive.scoring import DETAILS, holds_detail
from rag.asks import ROLE_PATTERNS


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
        ("day", "The meeting took place on 12th March 2019.", True),
        ("day", "On March 3 the nursery phoned children's services.", True),
        ("day", "The meeting took place in March 2019.", False),
        ("amount", "He said he drank six cans of lager a day.", True),
        ("amount", "She was prescribed 60mg of methadone.", True),
        ("amount", "The family owed £1,200 in rent.", True),
        ("amount", "Both of the two adults had been drinking.", False),
        ("named", "She was admitted to Eastbury General Hospital that night.", True),
        ("named", "Staff used the Westshire Neglect Toolkit at each visit.", True),
        ("named", "A risk assessment tool was completed by the nurse.", False),
    ],
)
def test_a_sentence_holds_the_kind_of_detail_asked_for(kind, sentence, holds):
    assert bool(DETAILS[kind].search(sentence)) is holds


def test_a_numbered_label_is_not_a_figure():
    assert not holds_detail("number", "Professionals were worried about Sibling 2 before the birth.")
    assert holds_detail("number", "Sibling 2 was seen at A&E three times.")
    assert not holds_detail("number", "Recommendation 7: the school should review its search policy.")
    assert not holds_detail("number", "As section 4.2 and Finding 3 set out, the plan was not followed.")
    assert holds_detail("number", "The review makes six findings and nine recommendations.")


def test_a_detail_asked_of_someone_must_be_said_of_them():
    mother = ROLE_PATTERNS["mother"]
    assert not holds_detail("age", "The baby was aged six weeks when she was admitted.", mother)
    assert holds_detail("age", "Her mum was aged 19 at the time of the birth.", mother)
