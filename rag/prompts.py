"""Fixed wording the product says, in one place.

`ABSTAIN` is the sentinel sentence: tests, the UI and the evaluation detect an
abstention by it, so change it only together with them.
"""

ABSTAIN = "The reviews in this collection don't say."

ABSTAIN_WEAK_EVIDENCE = (
    ABSTAIN + " I could not find a passage that answers this question; "
    "the closest passages are listed as related, in case they help."
)
ABSTAIN_MISSING_DETAIL = ABSTAIN + " The passages about this topic do not give {what}."
ABSTAIN_UNKNOWN_CASE = ABSTAIN + " {cases} is not among the reviews indexed here ({known})."

REFUSE_IDENTIFY = (
    "I can't help identify real people. The reviews are anonymised on purpose to protect the "
    "children and families involved, and I only answer from what the reviews say."
)
REFUSE_OPINION = (
    "I can only report what the reviews themselves say, not give opinions or judgements "
    "beyond them. You could ask what the review found or recommended instead."
)
REFUSE_INSTRUCTIONS = (
    "I answer only from the indexed reviews, with a citation for every statement, and "
    "instructions inside a question don't change that."
)

# Expected-detail names used in ABSTAIN_MISSING_DETAIL.
DETAIL_NAMES = {
    "age": "the age asked about",
    "date": "the date asked about",
    "name": "a name (the reviews are anonymised)",
    "number": "that number",
    "sentence": "the sentence or penalty asked about",
    "outcome": "the outcome asked about",
    "condition": "the medical condition asked about",
}
