"""Questions about the collection as a whole, answered from the review cards and theme tags
(rag.insights) rather than by searching passages:
- "which reviews are in this collection?" -> every review, its title cited;
- "which reviews mention over-optimism (and how many)?" -> every review tagged with the
  theme, its best sentence cited, and how many of the collection's reviews that is;
- "summarise the Child F review" -> what happened and the key findings, cited;
- "what did the Calderdale review recommend?" -> every recommendation, numbered as the review
  numbers them, cited.
Anything else (or a card that does not state what is asked) goes to the passage pipeline.
"""

from __future__ import annotations

import re

from rag import prompts
from rag.answer.attributes import Attribute, asked_attributes, card_evidence, child_died, describe
from rag.answer.card_answer import CardAnswerBuilder
from rag.glossary import Glossary
from rag.insights import Collection, Quote, ReviewCard
from rag.insights.sentences import document_sentences, quote_of
from rag.insights.themes import FINDING_SECTIONS, keyword_pattern
from rag.query import Query
from rag.text import match_stems
from rag.types import Answer, Document, Passage

_LIST_REVIEWS = re.compile(
    r"\b(?:which|what|list|name|show)\b.{0,30}\b(?:reviews|cases|documents)\b.{0,40}"
    r"\b(?:in (?:this|the) (?:collection|index|library|system)|"
    r"(?:do|does) (?:you|it|this) (?:have|hold|cover)|"
    r"are (?:there|available|indexed|included|covered|loaded))"
    r"|^(?:list|show) (?:me )?(?:all )?(?:the )?reviews\b",
    re.IGNORECASE,
)
_WHICH_MENTION = re.compile(
    r"\b(?:which|what|how many|list|any)\b.{0,20}\b(?:reviews|cases|documents|scrs)\b", re.IGNORECASE
)
# "Which reviews mention X": the words themselves; "which reviews discuss X": the theme tags.
_LITERAL = re.compile(
    r"\b(?:mention(?:s|ed)?|refer(?:s|red)? to|use the (?:term|word|words|phrase)|say)\b", re.I
)
# "Which reviews mention / involve X", X being any short phrase (not only a theme's words).
_MENTIONED = re.compile(
    r"\b(?:mention(?:s|ed)?|refer(?:s|red)? to|use(?:s|d)? the (?:term|word|words|phrase)|"
    r"involve[sd]?|feature[sd]?)\s+(?:the |any |an? )?(.+?)\s*[?.!]*$",
    re.IGNORECASE,
)
_LITERAL_VERB = re.compile(r"^(?:mention|refer|use)", re.I)
MOST_PHRASE_WORDS = 4  # longer: a question about a topic, which the passages answer better
_SUMMARISE = re.compile(r"\b(?:summari[sz]e|summary of|overview of|tell me about|key points of)\b", re.I)
_RECOMMEND = re.compile(r"\b(?:recommend(?:ed|s|ations?)?|recs)\b", re.IGNORECASE)
_RECOMMEND_WHAT = re.compile(
    r"^\s*(?:what|list|which|how many)\b[^?]{0,80}\b(?:recommend|recs)", re.IGNORECASE
)
MOST_FINDINGS_IN_SUMMARY = 3
# "Why was the SCR held into Child N?", "what led to this review?": what happened to the child.
# Not "why did the review blame ...": that asks about something the review said.
_WHY_REVIEW = re.compile(
    r"\bwhy (?:was|were|did) (?:an?|the|this|that) (?:[\w'-]+ ){0,3}?(?:scr|review|lcspr|cspr)"
    r"\b(?=\s*(?:[?.]|$|(?:held|carried|commissioned|undertaken|conducted|done|happen\w*|take place|"
    r"needed|necessary|set up|initiated|start\w*|into|about|on|of|in)\b))|"
    r"\bwhat (?:led to|triggered|prompted|caused) (?:the|this|that|an?) (?:scr|review)\b",
    re.IGNORECASE,
)


class CollectionAnswers:
    def __init__(
        self,
        insights: Collection,
        documents: dict[str, Document],
        passages: dict[str, Passage],
        glossary: Glossary | None = None,
    ):
        self.insights = insights
        self.glossary = glossary
        self.documents = documents
        self.passages = passages
        self._sentence_cache: dict[str, list] = {}
        self._themes = [(t, _theme_pattern(t.name, t.keywords)) for t in insights.themes]

    def answer(self, query: Query) -> Answer | None:
        if not self.insights.cards:
            return None
        question = query.question
        if not query.cases and _LIST_REVIEWS.search(question):
            return self._list_reviews(query)
        if not query.cases and _WHICH_MENTION.search(question):
            attributes = asked_attributes(question, query.topic_words)
            if attributes:
                return self._reviews_where(query, attributes)
            found = self._theme_in(question)
            if found is not None and not _asks_more_than(query, found[1]):
                theme, wording = found
                if _LITERAL.search(question):
                    return self._reviews_mentioning(query, theme, wording)
                return self._reviews_with(query, theme)
            phrase = _MENTIONED.search(question)
            if phrase and 0 < len(phrase.group(1).split()) <= MOST_PHRASE_WORDS:
                literal = bool(_LITERAL_VERB.match(phrase.group()))
                return self._reviews_using(query, phrase.group(1), literal)
        card = self._one_card(query)
        if card is None:
            return None
        if _RECOMMEND_WHAT.search(question) and not _narrowed(query):
            return (
                self._recommendations(query, card)
                if card.recommendations
                else self._no_recommendations(query, card)
            )
        if _WHY_REVIEW.search(question):
            return self._why_held(query, card)
        if _SUMMARISE.search(question) and not _narrowed(query, allow=("review", "case", "report")):
            return self._summary(query, card)
        return None

    # --- the answers --------------------------------------------------------------------

    def _list_reviews(self, query: Query) -> Answer:
        build = CardAnswerBuilder(self.documents, self.passages)
        cards = self.insights.cards
        build.say(prompts.COLLECTION_REVIEWS.format(count=len(cards)))
        for card in cards:
            title = card.field("title")
            text = f"{card.name}: {title.value}" if title.stated else card.name
            build.claim(card, text, [title.quote] if title.quote else [], bullet=True)
        return build.answer(query, "collection: the list of reviews")

    def _reviews_with(self, query: Query, theme, build: CardAnswerBuilder | None = None) -> Answer:
        build = build or CardAnswerBuilder(self.documents, self.passages)
        tagged = self.insights.reviews_with(theme.id)
        total = len(self.insights.cards)
        if not tagged:
            build.say(prompts.THEME_NONE.format(theme=theme.name, total=total))
            return build.answer(query, "collection: no review is tagged with the theme", abstained=True)
        build.say(prompts.THEME_COUNT.format(count=len(tagged), total=total, theme=theme.name))
        for card, tag in tagged:
            build.claim(card, _readable(tag.sentences[0].text), [tag.sentences[0]], bullet=True)
        return build.answer(query, f"collection: reviews tagged {theme.id}", grouped=True)

    def _summary(self, query: Query, card: ReviewCard) -> Answer:
        build = CardAnswerBuilder(self.documents, self.passages)
        for name in ("incident", "child_age"):
            field = card.field(name)
            if field.quote and not (
                name == "child_age" and _same_quote(field.quote, card.field("incident").quote)
            ):
                build.claim(card, " ".join(field.quote.text.split()), [field.quote])
        for item in card.key_findings[:MOST_FINDINGS_IN_SUMMARY]:
            build.claim(card, item.text, [item.quote], bullet=True)
        if card.recommendations:
            first = card.recommendations[0]
            text = prompts.CARD_RECOMMENDATIONS.format(count=len(card.recommendations), first=first.text)
            build.claim(card, text, [first.quote])
        if not build.parts:
            return None  # type: ignore[return-value]
        return build.answer(query, "collection: the review's card")

    def _why_held(self, query: Query, card: ReviewCard) -> Answer | None:
        """Why the review was held: what happened to the child, as the card cites it."""
        incident = card.field("incident")
        if not incident.quote:
            return None  # the passages may still say
        build = CardAnswerBuilder(self.documents, self.passages)
        build.claim(card, _readable(incident.quote.text), [incident.quote])
        return build.answer(query, "collection: what happened, from the review's card")

    def _recommendations(self, query: Query, card: ReviewCard) -> Answer:
        build = CardAnswerBuilder(self.documents, self.passages)
        build.say(prompts.CARD_RECOMMENDATION_LIST.format(name=card.name, count=len(card.recommendations)))
        for item in card.recommendations:
            number = f"{item.number}. " if item.number else ""
            build.claim(card, f"{number}{item.text}", [item.quote], bullet=True)
        return build.answer(query, "collection: the review's recommendations")

    def _no_recommendations(self, query: Query, card: ReviewCard) -> Answer | None:
        """A review (often a briefing) that makes none: say so, and give what it found."""
        if not card.key_findings:
            return None
        build = CardAnswerBuilder(self.documents, self.passages)
        build.say(prompts.CARD_NO_RECOMMENDATIONS.format(name=card.name))
        for item in card.key_findings:
            build.claim(card, item.text, [item.quote], bullet=True)
        return build.answer(query, "collection: the review states no recommendations")

    # --- reading the question -----------------------------------------------------------

    def _theme_in(self, question: str):
        """The theme the question names, and its wording in the question."""
        found = [(t, m) for t, pattern in self._themes if pattern and (m := pattern.search(question))]
        if not found:
            return None
        theme, match = max(found, key=lambda tm: len(tm[1].group()))  # the longest wording named
        return theme, match.group()

    def _reviews_mentioning(self, query: Query, theme, wording: str) -> Answer:
        """Every review whose text uses the question's words for the theme (any form of them:
        "optimism", "optimistic"), its first such sentence cited, findings first; then the
        reviews tagged with the theme that never use the words."""
        build = CardAnswerBuilder(self.documents, self.passages)
        wanted = match_stems(re.sub(r"\b[a-z]{2,5}-(?=[a-z])", "", wording.lower())) or match_stems(wording)
        total = len(self.insights.cards)
        found = [(card, q) for card in self.insights.cards if (q := self._first_mention(card, wanted))]
        if not found:
            if self.insights.reviews_with(theme.id):  # not in these words, but in others
                build.say(prompts.MENTION_NONE_BUT.format(term=wording, total=total))
                return self._reviews_with(query, theme, build)
            build.say(prompts.MENTION_NONE.format(term=wording, total=total))
            return build.answer(query, "collection: no review uses the words", abstained=True)
        build.say(prompts.MENTION_COUNT.format(count=len(found), total=total, term=wording))
        for card, quote in found:
            build.claim(card, _readable(quote.text), [quote], bullet=True)
        named = {card.review for card, _ in found}
        others = [card.name for card, _ in self.insights.reviews_with(theme.id) if card.review not in named]
        if others:
            build.say(prompts.MENTION_TAGGED_TOO.format(theme=theme.name, names="; ".join(others)))
        return build.answer(query, f"collection: reviews using the words of {theme.id}", grouped=True)

    def _reviews_using(self, query: Query, phrase: str, literal: bool) -> Answer | None:
        """Every review that uses the phrase (or a glossary form of it: "CSE", "child sexual
        exploitation"), its first such sentence cited, findings first. None found: said, when
        the question asked about the words; otherwise the passages may still answer."""
        # "child sexual exploitation (CSE)", "over-optimism / rule of optimism": either form
        forms = [f.strip() for f in re.split(r"[()/]|\bor\b", phrase) if f.strip()]
        if self.glossary is not None:
            forms += [other for form in forms for other in self.glossary.expansions(form)]
        wanted = [stems for form in forms if (stems := match_stems(form))]
        if not wanted:
            return None
        found = [(card, q) for card in self.insights.cards if (q := self._first_mention(card, *wanted))]
        build = CardAnswerBuilder(self.documents, self.passages)
        total = len(self.insights.cards)
        if not found:
            if not literal:
                return None
            build.say(prompts.MENTION_NONE.format(term=phrase, total=total))
            return build.answer(query, "collection: no review uses the words", abstained=True)
        build.say(prompts.MENTION_COUNT.format(count=len(found), total=total, term=phrase))
        for card, quote in found:
            build.claim(card, _readable(quote.text), [quote], bullet=True)
        return build.answer(query, "collection: reviews using the words", grouped=True)

    def _reviews_where(self, query: Query, attributes: list[Attribute]) -> Answer:
        """Every review whose card (or, for a death, whose text) says the child had all the
        attributes, with those quotes; reviews that do not say so are not listed."""
        build = CardAnswerBuilder(self.documents, self.passages)
        found = []
        for card in self.insights.cards:
            quotes = [self._attribute_quote(card, a) for a in attributes]
            if all(quotes):
                found.append((card, list({(q.doc_id, q.start): q for q in quotes}.values())))
        total, what = len(self.insights.cards), describe(attributes)
        if not found:
            build.say(prompts.ATTRIBUTE_NONE.format(what=what, total=total))
            return build.answer(query, "collection: no review says so", abstained=True)
        build.say(prompts.ATTRIBUTE_COUNT.format(count=len(found), total=total, what=what))
        for card, quotes in found:
            build.claim(card, " ".join(_readable(q.text) for q in quotes), quotes, bullet=True)
        keys = "+".join(a.key for a in attributes)
        return build.answer(query, f"collection: reviews about {keys}", grouped=True)

    def _attribute_quote(self, card: ReviewCard, attribute: Attribute) -> Quote | None:
        quote = card_evidence(card, attribute)
        if quote is None and attribute.key == "died":  # the card's incident may not say it
            label = next((d.case for doc_id in card.documents if (d := self.documents.get(doc_id))), "")
            quote = self._first_mention(card, test=lambda text: child_died(text, label))
        return quote

    def _first_mention(self, card: ReviewCard, *wanted: set[str], test=None) -> Quote | None:
        """The card's first sentence holding every stem of one of `wanted` (or passing `test`),
        a finding first."""
        if test is None:

            def test(text: str) -> bool:
                stems = match_stems(text)
                return any(words <= stems for words in wanted)

        best = None
        for doc_id in card.documents:
            for sentence in self._sentences(doc_id):
                if test(sentence.text):
                    if sentence.section_type in FINDING_SECTIONS:
                        return quote_of(sentence, self.documents[doc_id])
                    best = best or quote_of(sentence, self.documents[doc_id])
        return best

    def _sentences(self, doc_id: str):
        if doc_id not in self._sentence_cache:
            document = self.documents.get(doc_id)
            passages = [p for p in self.passages.values() if p.doc_id == doc_id]
            self._sentence_cache[doc_id] = document_sentences(document, passages) if document else []
        return self._sentence_cache[doc_id]

    def _one_card(self, query: Query) -> ReviewCard | None:
        if len(query.cases) != 1 or query.case_source == "history":
            return None
        return self.insights.card(query.cases[0])


def _theme_pattern(name: str, keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    """The theme's name (and each part of a name like "Over-optimism / rule of optimism") and
    its keywords."""
    parts = [p.strip() for p in re.split(r"[/()]", name.lower()) if len(p.strip()) > 3]
    return keyword_pattern(tuple(parts) + keywords)


def _narrowed(query: Query, allow: tuple[str, ...] = ()) -> bool:
    """The question asks about one topic of the review ("what did they recommend about
    training?"), which the passage pipeline answers better than the whole list."""
    generic = {"recommend", "recommendation", "recommendations", "recs", "review", "summarise", "summary",
               "summarize", "tell", "overview", "key", "points", "make", "made", "did", *allow}  # fmt: skip
    return any(w.lower() not in generic for w in query.topic_words)


# Words of a "which reviews discuss X" question that are not about X.
_ASKING_WHICH = match_stems(
    "which what how many any list reviews review cases case documents scrs mention mentions mentioned "
    "discuss discusses talk talks about raise raised cover covers feature features involve involves say says "
    "refer refers theme themes issue issues collection this these there do does did count"
)
MOST_OTHER_WORDS = 1  # more: the question asks something about X, which the passages answer


def _asks_more_than(query: Query, wording: str) -> bool:
    """"In which reviews was the stepfather convicted?" names a theme's word ("stepfather")
    but asks a fact about it: a list of the reviews tagged with the theme does not answer it."""
    asked = match_stems(" ".join(query.topic_words)) & match_stems(query.question)  # not glossary-added
    other = asked - match_stems(wording) - _ASKING_WHICH
    return len(other) > MOST_OTHER_WORDS


def _readable(text: str) -> str:
    return " ".join(text.split())


def _same_quote(a: Quote | None, b: Quote | None) -> bool:
    return a is not None and b is not None and a.doc_id == b.doc_id and a.start < b.end and b.start < a.end
